namespace Snn.Data;

/// <summary>
/// MNIST (LeCun, Cortes &amp; Burges): 60 000 training and 10 000 test digits, 28×28 grey, 10 classes, in the IDX
/// layout (the four files raw or .gz). Looked up in an explicit folder, else where <see cref="DatasetRegistry.Mnist"/> says
/// (its variable, $SNN_DATA, data/ up the tree, where its fetch script puts it).
/// </summary>
public static class Mnist
{
    public static readonly IReadOnlyList<string> ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static string FolderName => DatasetRegistry.Mnist.Folder!;
    public static string Variable => DatasetRegistry.Mnist.Variable!;

    /// <summary>Loads the official train and test splits.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null) =>
        IdxFolder.Load(DatasetRegistry.Mnist.Title, Locate(folder), ClassNames);

    /// <summary>The folder holding the four IDX files, or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null) => DatasetRegistry.Mnist.Require(folder);
}
