using Snn.Data.Events;
using Snn.Data.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data;

/// <summary>
/// A CIFAR10-DVS-shaped stand-in made from real grey images (Fashion-MNIST in the notebooks), for when CIFAR10-DVS
/// itself is not present. Each image is upscaled (bilinear) to 28/34 of a size×size sensor and turned into events by
/// <see cref="EventEmulator"/> with the N-MNIST geometry scaled to that sensor (three saccades of 4·size/34 px); the
/// recordings are written in the N-MNIST layout with the EMULATED.json marker (<see cref="EmulatedNFashionMnist"/>),
/// then binned into T time bins of 2×size×size counts and cached (<see cref="EventDataset"/>).
/// The tensors have CIFAR10-DVS's shapes at that size ([T, N, 2, size, size], 10 classes); the content is EMULATED
/// Fashion-MNIST, so accuracies on it say nothing about CIFAR10-DVS.
/// </summary>
public static class Cifar10DvsStandIn
{
    public static string FolderName => DatasetRegistry.Cifar10DvsStandIn.Folder!;

    public static string DefaultFolder => Path.Combine(DataPaths.Root(), FolderName);

    /// <summary>Side of the upscaled image on a size×size sensor: N-MNIST's 28 of 34.</summary>
    public static int ImageSide(int size) => (int)Math.Round(CheckSize(size) * 28.0 / 34.0);

    /// <summary>The emulator's N-MNIST defaults with the sensor and the saccades scaled to size px.</summary>
    public static EmulatorOptions Emulator(int size) =>
        new EmulatorOptions { SensorSize = CheckSize(size), SaccadeAmplitude = 4.0 * size / 34.0 }.Validated();

    /// <summary>The images resized to side×side (bilinear, clamped to [0, 1]); a new dataset, owned by the caller.</summary>
    public static ImageDataset Upscale(ImageDataset images, int side)
    {
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(side), side, "Image side must be ≥ 1 px.");
        if (images.SampleShape is not [1, _, _])
            throw new ArgumentException(
                $"{images.Name}: the emulator takes grey images [N, 1, H, W]; samples are [{string.Join(", ", images.SampleShape)}].", nameof(images));
        using var scope = torch.NewDisposeScope();
        var resized = nn.functional.interpolate(images.Images, size: [side, side], mode: InterpolationMode.Bilinear, align_corners: false).clamp_(0, 1);
        return new ImageDataset($"{images.Name} at {side}×{side}", resized.MoveToOuterDisposeScope(), images.Labels.alias().MoveToOuterDisposeScope(),
            images.ClassNames);
    }

    /// <summary>
    /// The stand-in's train and test splits: seeded subsets of <paramref name="train"/> and <paramref name="test"/>
    /// (<see cref="ImageDataset.Subset"/>), emulated into &lt;root&gt;/&lt;size&gt;px-&lt;train&gt;-&lt;test&gt;-seed&lt;seed&gt;/Train|Test
    /// (recordings already there are kept) and binned into <paramref name="timeBins"/> frames, cached in &lt;root&gt;/cache.
    /// Frames are event counts; the datasets are the caller's to dispose. Folders are named by size, counts and seed, not
    /// by the source images: give images of another source another root.
    /// </summary>
    public static (EventDataset Train, EventDataset Test) Load(ImageDataset train, ImageDataset test, int size, int timeBins,
        int trainCount, int testCount, int seed = 0, string? root = null, Action<string>? log = null)
    {
        CheckSize(size);
        if (timeBins < 1) throw new ArgumentOutOfRangeException(nameof(timeBins), timeBins, "Time bins T must be ≥ 1.");
        if (trainCount < 1) throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, "Need at least one training sample.");
        if (testCount < 1) throw new ArgumentOutOfRangeException(nameof(testCount), testCount, "Need at least one test sample.");
        root ??= DefaultFolder;
        var folder = Path.Combine(root, $"{size}px-{trainCount}-{testCount}-seed{seed}");
        var options = Emulator(size);
        var side = ImageSide(size);
        string Emulate(ImageDataset source, int count, string split, int emulatorSeed)
        {
            var subset = source.Subset(count, seed);
            try
            {
                using var scaled = Upscale(subset, side);
                return EmulatedNFashionMnist.Generate(scaled, folder, split, scaled.Count, options, emulatorSeed);
            }
            finally
            {
                if (!ReferenceEquals(subset, source)) subset.Dispose();
            }
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainFolder = Emulate(train, trainCount, "Train", seed);
        var testFolder = Emulate(test, testCount, "Test", seed + 1);
        log?.Invoke($"emulated recordings ready in {folder} ({clock.Elapsed.TotalSeconds:F1} s)");
        var binning = Binning.TimeBins(timeBins);
        var cache = Path.Combine(root, "cache");
        var name = $"CIFAR10-DVS stand-in {size}px (EMULATED)";
        // Read back on the stand-in's sensor (the N-MNIST reader's default is 34×34).
        EventDataset Bin(string split, string splitFolder, IReadOnlyList<string> classes) =>
            EventDataset.Load($"{name} {split}", NMnist.ListSplit(splitFolder, classes.Count), p => NMnist.Read(p, size, size), binning, classes, cache);
        var trainSet = Bin("train", trainFolder, train.ClassNames);
        try
        {
            var testSet = Bin("test", testFolder, test.ClassNames);
            var cached = trainSet.LoadedFromCache && testSet.LoadedFromCache ? " (from cache)" : "";
            log?.Invoke($"binned into T = {timeBins} frames{cached} ({clock.Elapsed.TotalSeconds:F1} s)");
            return (trainSet, testSet);
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The smallest and largest frame side: the emulator writes N-MNIST files (8-bit coordinates, sensor ≤ 239 px); below 8 px
    /// the saccades leave no image.
    /// </summary>
    public const int MinSize = 8, MaxSize = 239;

    private static int CheckSize(int size) =>
        size is >= MinSize and <= MaxSize ? size
            : throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Stand-in frames must be {MinSize} … {MaxSize} px (e.g. 48, 64 or 128 for the spiking AlexNet).");
}
