namespace Snn.Data;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017): 60 000 training and 10 000 test images, 28×28 grey, 10 classes,
/// in the MNIST IDX layout. Looked up in an explicit folder, else where <see cref="DatasetRegistry.FashionMnist"/> says
/// (its variable, $SNN_DATA, data/ up the tree, then Debian's package).
/// </summary>
public static class FashionMnist
{
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Where Debian's package puts it.</summary>
    public static string DebianFolder => DatasetRegistry.FashionMnist.SystemFolders[0];

    /// <summary>Loads the official train and test splits.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null) =>
        IdxFolder.Load(DatasetRegistry.FashionMnist.Title, Locate(folder), ClassNames);

    /// <summary>The folder holding the four IDX files, or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null) => DatasetRegistry.FashionMnist.Require(folder);
}
