namespace Snn.Data;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017): 60 000 training and 10 000 test images, 28×28 grey, 10 classes,
/// in the MNIST IDX layout. Looked up in: an explicit folder; $SNN_FASHION_MNIST_DIR; $SNN_DATA/fashion-mnist; data/fashion-mnist
/// in the current folder or any parent (where data-scripts/ put it); /usr/share/datasets/fashion-mnist
/// (Debian package dataset-fashion-mnist).
/// </summary>
public static class FashionMnist
{
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Loads the official train and test splits.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null) => IdxFolder.Load("Fashion-MNIST", Locate(folder), ClassNames);

    /// <summary>The folder holding the four IDX files, or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null) =>
        IdxFolder.Locate("Fashion-MNIST", Candidates(folder).ToList(),
            "Install it with `./run.sh` / `eng/setup.sh` (Debian package dataset-fashion-mnist) or `data-scripts/fetch-fashion-mnist.sh`, or set SNN_FASHION_MNIST_DIR.");

    // The shared search order (argument, $SNN_FASHION_MNIST_DIR, $SNN_DATA, data/ up the tree), then Debian's package.
    private static IEnumerable<string> Candidates(string? folder) =>
        folder is not null ? DataPaths.Candidates(folder, Variable, FolderName) : DataPaths.Candidates(null, Variable, FolderName).Append(DebianFolder);

    private const string Variable = "SNN_FASHION_MNIST_DIR";
    private const string FolderName = "fashion-mnist";
}
