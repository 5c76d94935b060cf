namespace Snn.Data;

/// <summary>
/// MNIST (LeCun, Cortes &amp; Burges): 60 000 training and 10 000 test digits, 28×28 grey, 10 classes, in the IDX
/// layout (the four files raw or .gz). Looked up in: an explicit folder; $SNN_MNIST_DIR; $SNN_DATA/mnist; data/mnist in
/// the current folder or any parent (where data-scripts/fetch-mnist.sh puts it).
/// </summary>
public static class Mnist
{
    public static readonly IReadOnlyList<string> ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public const string FolderName = "mnist";
    public const string Variable = "SNN_MNIST_DIR";

    /// <summary>Loads the official train and test splits.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null) => IdxFolder.Load("MNIST", Locate(folder), ClassNames);

    /// <summary>The folder holding the four IDX files, or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null) =>
        IdxFolder.Locate("MNIST", DataPaths.Candidates(folder, Variable, FolderName).ToList(), $"Fetch it with data-scripts/fetch-mnist.sh, or set {Variable}.");
}
