namespace Snn.Data;

/// <summary>
/// A folder holding an MNIST-layout dataset: the four IDX files train-/t10k- images/labels, each raw or .gz
/// (MNIST, Fashion-MNIST).
/// </summary>
internal static class IdxFolder
{
    /// <summary>Whether <paramref name="dir"/> holds the test labels (raw or .gz): the cheap presence check.</summary>
    public static bool Holds(string dir) => TryFind(dir, "t10k-labels-idx1-ubyte") is not null;

    /// <summary>The official train and test splits in <paramref name="dir"/>, named "<paramref name="dataset"/> train/test".</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string dataset, string dir, IReadOnlyList<string> classNames) =>
        (ImageDataset.FromIdx($"{dataset} train", Find(dataset, dir, "train-images-idx3-ubyte"), Find(dataset, dir, "train-labels-idx1-ubyte"), classNames),
         ImageDataset.FromIdx($"{dataset} test", Find(dataset, dir, "t10k-images-idx3-ubyte"), Find(dataset, dir, "t10k-labels-idx1-ubyte"), classNames));

    private static string? TryFind(string dir, string stem) =>
        new[] { stem, stem + ".gz" }.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);

    private static string Find(string dataset, string dir, string stem) =>
        TryFind(dir, stem) ?? throw new FileNotFoundException($"{Path.Combine(dir, stem)}[.gz] is missing: {dataset} needs all four IDX files in {dir}.");
}
