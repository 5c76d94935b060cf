using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Data;

/// <summary>
/// CIFAR10-DVS-shaped event frames [T, N, 2, size, size] for the headline experiment, from one of two sources named
/// by one parameter: the recorded CIFAR10-DVS (<see cref="Recorded"/>: the seeded 9:1 split of
/// <see cref="Cifar10Dvs.Split"/>, downsampled from 128 px) or the emulated stand-in made from Fashion-MNIST
/// (<see cref="StandIn"/>, <see cref="Cifar10DvsStandIn"/>).
/// </summary>
public static class Cifar10DvsFrames
{
    public const string StandIn = "stand-in";
    /// <summary>The recordings: the config name of <see cref="DatasetRegistry.Cifar10Dvs"/>.</summary>
    public static string Recorded => DatasetRegistry.Cifar10Dvs.Name;

    /// <summary>CIFAR10-DVS's sensor side.</summary>
    public static int SensorSize => DatasetRegistry.Cifar10Dvs.SensorSize!.Value;

    /// <summary>The recorded CIFAR10-DVS folder where the kit finds it (as `snn data list` does), or null.</summary>
    public static string? LocateRecorded() => DatasetRegistry.Cifar10Dvs.Locate();

    /// <summary><see cref="Recorded"/> when <paramref name="preferRecorded"/> and the recordings are present, else <see cref="StandIn"/>.</summary>
    public static string Choose(bool preferRecorded) => preferRecorded && LocateRecorded() is not null ? Recorded : StandIn;

    /// <summary>True for the emulated source.</summary>
    public static bool IsEmulated(string dataset) => Check(dataset) == StandIn;

    /// <summary>
    /// Train and test frames (event counts) of <paramref name="dataset"/>: seeded subsets of
    /// <paramref name="trainCount"/> and <paramref name="testCount"/> samples binned into <paramref name="timeBins"/>
    /// time bins at size×size. <paramref name="folder"/>: the recorded dataset's folder (default: where the kit finds
    /// it) or the stand-in's root (default <see cref="Cifar10DvsStandIn.DefaultFolder"/>). Binned frames are cached.
    /// </summary>
    public static (EventDataset Train, EventDataset Test) Load(string dataset, int size, int timeBins, int trainCount, int testCount,
        int seed = 0, string? folder = null, Action<string>? log = null)
    {
        if (Check(dataset) == StandIn)
        {
            var (train, test) = FashionMnist.Load();
            using (train) using (test)
                return Cifar10DvsStandIn.Load(train, test, size, timeBins, trainCount, testCount, seed, folder, log);
        }
        if (size < 1 || SensorSize % size != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"CIFAR10-DVS is {SensorSize}×{SensorSize}: the frame size must divide {SensorSize} (64 or 128 for the spiking AlexNet).");
        if (timeBins < 1) throw new ArgumentOutOfRangeException(nameof(timeBins), timeBins, "Time bins T must be ≥ 1.");
        if (trainCount < 1 || testCount < 1)
            throw new ArgumentOutOfRangeException(trainCount < 1 ? nameof(trainCount) : nameof(testCount), "Need at least one training and one test sample.");
        var root = folder ?? LocateRecorded()
            ?? throw new DirectoryNotFoundException($"{DatasetRegistry.Cifar10Dvs.NotPresent()} Or use the stand-in ('{StandIn}').");
        var (trainFiles, testFiles) = Cifar10Dvs.Split(root, seed);
        var binning = Binning.TimeBins(timeBins) with { Downsample = SensorSize / size };
        var cache = Path.Combine(DataPaths.Root(), "cache");
        var trainSet = EventDataset.Load("CIFAR10-DVS train", Take(trainFiles, trainCount, seed), Aedat.ReadCifar10Dvs, binning, Cifar10Dvs.ClassNames, cache);
        try
        {
            var testSet = EventDataset.Load("CIFAR10-DVS test", Take(testFiles, testCount, seed), Aedat.ReadCifar10Dvs, binning, Cifar10Dvs.ClassNames, cache);
            log?.Invoke($"CIFAR10-DVS from {root}: {trainSet.Count} train, {testSet.Count} test recordings, T = {timeBins}, {size}×{size}");
            return (trainSet, testSet);
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    private static string Check(string dataset) => dataset == StandIn || dataset == Recorded ? dataset
        : throw new ArgumentException($"Unknown dataset '{dataset}'; expected '{StandIn}' (emulated from Fashion-MNIST) or '{Recorded}' (the recordings).",
            nameof(dataset));

    // A seeded subset in file order (all when count ≥ the split's size).
    private static IReadOnlyList<(string Path, int Label)> Take(IReadOnlyList<(string Path, int Label)> files, int count, int seed)
    {
        if (count >= files.Count) return files;
        var picked = files.ToArray();
        new Random(seed).Shuffle(picked);
        return picked[..count].OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
    }
}
