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
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null)
    {
        var dir = Locate(folder);
        return (ImageDataset.FromIdx("MNIST train", Find(dir, "train-images-idx3-ubyte"), Find(dir, "train-labels-idx1-ubyte"), ClassNames),
                ImageDataset.FromIdx("MNIST test", Find(dir, "t10k-images-idx3-ubyte"), Find(dir, "t10k-labels-idx1-ubyte"), ClassNames));
    }

    /// <summary>The folder holding the four IDX files, or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null)
    {
        var candidates = DataPaths.Candidates(folder, Variable, FolderName).ToList();
        foreach (var c in candidates)
            if (Directory.Exists(c) && TryFind(c, "t10k-labels-idx1-ubyte") is not null) return c;
        throw new DirectoryNotFoundException(
            "MNIST not found. Looked in: " + string.Join(", ", candidates) + $". Fetch it with data-scripts/fetch-mnist.sh, or set {Variable}.");
    }

    private static string? TryFind(string dir, string stem) =>
        new[] { stem, stem + ".gz" }.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);

    private static string Find(string dir, string stem) =>
        TryFind(dir, stem) ?? throw new FileNotFoundException($"{Path.Combine(dir, stem)}[.gz] is missing: MNIST needs all four IDX files in {dir}.");
}
