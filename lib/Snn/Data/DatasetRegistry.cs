using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Data;

/// <summary>
/// Every dataset the kit knows, one <see cref="DatasetInfo"/> each: the one place that spells their names, shapes,
/// class counts, variables, folders and scripts. Configs (<c>ExperimentConfig</c>) choose among <see cref="All"/> by
/// name, `snn data list|verify` shows the ones with files (<see cref="WithFiles"/>). Adding a dataset is one entry here.
/// </summary>
public static class DatasetRegistry
{
    // The DVS128 sensor of DVS128 Gesture and CIFAR10-DVS: their "size" must divide it.
    private const int Dvs128 = 128;

    // Inside this class the entries' names hide the reader classes of the same names; those are written Data.X.
    public static readonly DatasetInfo FashionMnist = new()
    {
        Name = "fashion-mnist",
        Title = "Fashion-MNIST",
        Description = "Fashion-MNIST, 70 000 28×28 grey images (IDX)",
        Classes = Data.FashionMnist.ClassNames.Count,
        IsEvent = false,
        Channels = 1,
        Side = 28,
        Variable = "SNN_FASHION_MNIST_DIR",
        Folder = "fashion-mnist",
        SystemFolders = ["/usr/share/datasets/fashion-mnist"],
        Script = "data-scripts/fetch-fashion-mnist.sh",
        HowToGet = "install it with `./run.sh` / `eng/setup.sh` (Debian package dataset-fashion-mnist) or fetch it with data-scripts/fetch-fashion-mnist.sh",
        Holds = IdxFolder.Holds,
        Verify = dir =>
        {
            var (train, test) = Data.FashionMnist.Load(dir);
            using (train) using (test) return Expect(train.Count, 60_000, test.Count, 10_000, "images");
        },
        LoadImages = (dir, _) => Data.FashionMnist.Load(dir),
    };

    public static readonly DatasetInfo Mnist = new()
    {
        Name = "mnist",
        Title = "MNIST",
        Description = "MNIST, 70 000 28×28 grey digits (IDX)",
        Classes = Data.Mnist.ClassNames.Count,
        IsEvent = false,
        Channels = 1,
        Side = 28,
        Variable = "SNN_MNIST_DIR",
        Folder = "mnist",
        Script = "data-scripts/fetch-mnist.sh",
        Holds = IdxFolder.Holds,
        Verify = dir =>
        {
            var (train, test) = Data.Mnist.Load(dir);
            using (train) using (test) return Expect(train.Count, 60_000, test.Count, 10_000, "images");
        },
        LoadImages = (dir, _) => Data.Mnist.Load(dir),
    };

    public static readonly DatasetInfo Cifar10 = new()
    {
        // "cifar-10" was the `snn data` name before the registry; DataCatalogTests and muscle memory still use it.
        Name = "cifar10",
        Aliases = ["cifar-10"],
        Title = "CIFAR-10",
        Description = "CIFAR-10 binary version, 60 000 32×32 colour images",
        Classes = Data.Cifar10.ClassNames.Count,
        IsEvent = false,
        Channels = 3,
        Side = 32,
        Variable = "SNN_CIFAR10_DIR",
        Folder = "cifar-10-batches-bin",
        Subfolder = "cifar-10-batches-bin",
        Script = "data-scripts/fetch-cifar10.sh",
        Holds = d => File.Exists(Path.Combine(d, "test_batch.bin")),
        Verify = dir =>
        {
            var (train, test) = Data.Cifar10.Load(dir);
            using (train) using (test) return Expect(train.Count, 50_000, test.Count, 10_000, "images");
        },
        LoadImages = (dir, _) => Data.Cifar10.Load(dir),
    };

    public static readonly DatasetInfo EmulatedNFashionMnist = new()
    {
        Name = "emulated-n-fashion-mnist",
        Title = "EMULATED N-Fashion-MNIST",
        Description = "EMULATED N-Fashion-MNIST made from Fashion-MNIST by the event emulator (N-MNIST layout)",
        Classes = Data.FashionMnist.ClassNames.Count,
        IsEvent = true,
        Channels = 2,
        Side = Formats.NMnist.SensorSize,
        Variable = "SNN_EMULATED_DIR",
        Folder = "n-fashion-mnist-emulated",
        Script = "data-scripts/make-emulated-n-fashion-mnist.sh",
        HowToGet = "make it with `snn data emulate` or data-scripts/make-emulated-n-fashion-mnist.sh",
        Holds = d => Directory.Exists(Path.Combine(d, "Train")) && Directory.Exists(Path.Combine(d, "Test")) && Data.EmulatedNFashionMnist.IsEmulated(d),
        Verify = dir =>
        {
            if (!Data.EmulatedNFashionMnist.IsEmulated(dir))
                throw new DataFormatException($"{dir}: no {Data.EmulatedNFashionMnist.MarkerFile} marker; not emulated data made by this kit.");
            var parts = new[] { "Train", "Test" }.Where(s => Directory.Exists(Path.Combine(dir, s))).Select(s =>
            {
                var files = Formats.NMnist.ListSplit(Path.Combine(dir, s));
                foreach (var p in Sample(files.Select(f => f.Path).ToList(), 100)) Formats.NMnist.Read(p);
                return $"{s} {files.Count}";
            });
            return $"EMULATED recordings: {string.Join(", ", parts)} (100 sampled per split read)";
        },
        LoadEvents = (root, r) => Pair(
            () => EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST train", Path.Combine(root, "Train"), Binning.TimeBins(r.TimeBins),
                Data.FashionMnist.ClassNames, Cache(), r.TrainSubset, r.Seed),
            () => EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST test", Path.Combine(root, "Test"), Binning.TimeBins(r.TimeBins),
                Data.FashionMnist.ClassNames, Cache(), r.TestSubset, r.Seed)),
    };

    public static readonly DatasetInfo NMnist = new()
    {
        Name = "n-mnist",
        Title = "N-MNIST",
        Description = "N-MNIST, 70 000 event recordings of MNIST digits (34×34, .bin)",
        Classes = Data.Mnist.ClassNames.Count,
        IsEvent = true,
        Channels = 2,
        Side = Formats.NMnist.SensorSize,
        Variable = "SNN_NMNIST_DIR",
        Folder = "n-mnist",
        Script = "data-scripts/fetch-n-mnist.sh",
        Holds = d => Directory.Exists(Path.Combine(d, "Train")) && Directory.Exists(Path.Combine(d, "Test")),
        Verify = dir =>
        {
            var train = Formats.NMnist.ListSplit(Path.Combine(dir, "Train"));
            var test = Formats.NMnist.ListSplit(Path.Combine(dir, "Test"));
            var events = Sample(train.Concat(test).Select(s => s.Path).ToList(), 200).Sum(p => (long)Formats.NMnist.Read(p).Count);
            return Expect(train.Count, 60_000, test.Count, 10_000, "recordings") + $"; 200 sampled recordings read ({events / 200} events each on average)";
        },
        LoadEvents = (root, r) => Pair(
            () => EventDataset.FromNMnistFolder("N-MNIST train", Path.Combine(root, "Train"), Binning.TimeBins(r.TimeBins),
                Data.Mnist.ClassNames, Cache(), r.TrainSubset, r.Seed),
            () => EventDataset.FromNMnistFolder("N-MNIST test", Path.Combine(root, "Test"), Binning.TimeBins(r.TimeBins),
                Data.Mnist.ClassNames, Cache(), r.TestSubset, r.Seed)),
    };

    public static readonly DatasetInfo DvsGesture = new()
    {
        Name = "dvs-gesture",
        Title = "DVS128 Gesture",
        Description = "DVS128 Gesture, 1 342 gestures of 11 classes in AEDAT 3.1 recordings",
        Classes = Data.DvsGesture.ClassNames.Count,
        IsEvent = true,
        Channels = 2,
        MinSize = 1,
        MaxSize = Dvs128,
        DefaultSize = Dvs128,
        SensorSize = Dvs128,
        Variable = "SNN_DVS_GESTURE_DIR",
        Folder = "dvs-gesture",
        Subfolder = "DvsGesture",
        Script = "data-scripts/fetch-dvs-gesture.sh",
        HowToGet = "fetch it with data-scripts/fetch-dvs-gesture.sh (a manual download first)",
        Holds = d => File.Exists(Path.Combine(d, "trials_to_train.txt")) && File.Exists(Path.Combine(d, "trials_to_test.txt")),
        Verify = dir =>
        {
            var train = Data.DvsGesture.Trials(dir, train: true);
            var test = Data.DvsGesture.Trials(dir, train: false);
            foreach (var f in train.Concat(test))
                if (!File.Exists(f)) throw new FileNotFoundException($"{f} is listed in the split files but missing.", f);
            var samples = Data.DvsGesture.ReadRecording(test[0]);
            return $"{train.Count} training and {test.Count} test recordings; {Path.GetFileName(test[0])} holds {samples.Count} labelled gestures";
        },
        LoadEvents = (root, r) => Pair(
            () => EventDataset.FromDvsGesture(root, train: true, Downsampled(r), Cache(), r.TrainSubset, r.Seed),
            () => EventDataset.FromDvsGesture(root, train: false, Downsampled(r), Cache(), r.TestSubset, r.Seed)),
    };

    public static readonly DatasetInfo Cifar10Dvs = new()
    {
        Name = "cifar10-dvs",
        Title = "CIFAR10-DVS",
        Description = "CIFAR10-DVS, 10 000 event recordings of CIFAR-10 images (AEDAT 2.0)",
        Classes = Data.Cifar10Dvs.ClassNames.Count,
        IsEvent = true,
        Channels = 2,
        MinSize = 1,
        MaxSize = Dvs128,
        DefaultSize = Dvs128,
        SensorSize = Dvs128,
        Variable = "SNN_CIFAR10_DVS_DIR",
        Folder = "cifar10-dvs",
        Script = "data-scripts/fetch-cifar10-dvs.sh",
        Holds = d => Data.Cifar10Dvs.ClassNames.All(c => Directory.Exists(Path.Combine(d, c))),
        Verify = dir =>
        {
            var (train, test) = Data.Cifar10Dvs.Split(dir);
            var events = Sample(train.Concat(test).Select(s => s.Path).ToList(), 50).Sum(p => (long)Aedat.ReadCifar10Dvs(p).Count);
            return Expect(train.Count, 9_000, test.Count, 1_000, "recordings (seeded 9:1 split)")
                + $"; 50 sampled recordings read ({events / 50} events each on average)";
        },
        LoadEvents = (root, r) =>
        {
            // One 9:1 split for every run (split seed 0): run seeds vary the subsets, not which recordings are test data.
            var (trainFiles, testFiles) = Data.Cifar10Dvs.Split(root, seed: 0);
            return Pair(
                () => EventDataset.Load("CIFAR10-DVS train", EventDataset.SeededSubset(trainFiles, r.TrainSubset, r.Seed), Aedat.ReadCifar10Dvs, Downsampled(r),
                    Data.Cifar10Dvs.ClassNames, Cache()),
                () => EventDataset.Load("CIFAR10-DVS test", EventDataset.SeededSubset(testFiles, r.TestSubset, r.Seed), Aedat.ReadCifar10Dvs, Downsampled(r),
                    Data.Cifar10Dvs.ClassNames, Cache()));
        },
    };

    public static readonly DatasetInfo Cifar10DvsStandIn = new()
    {
        Name = "cifar10-dvs-stand-in",
        Title = "CIFAR10-DVS stand-in",
        Description = "EMULATED CIFAR10-DVS-shaped events made from Fashion-MNIST on first use (not CIFAR10-DVS's content)",
        Classes = Data.FashionMnist.ClassNames.Count,
        IsEvent = true,
        Channels = 2,
        MinSize = Data.Cifar10DvsStandIn.MinSize,
        MaxSize = Data.Cifar10DvsStandIn.MaxSize,
        DefaultSize = Dvs128,
        Folder = "cifar10-dvs-stand-in",
        MadeFrom = FashionMnist,
        LoadEvents = (root, r) =>
        {
            var (images, testImages) = Data.FashionMnist.Load(root);
            using (images) using (testImages)
                return Data.Cifar10DvsStandIn.Load(images, testImages, r.Size!.Value, r.TimeBins,
                    r.TrainSubset ?? images.Count, r.TestSubset ?? testImages.Count, r.Seed);
        },
    };

    public static readonly DatasetInfo Synthetic = new()
    {
        Name = "synthetic",
        Title = "synthetic bars",
        Description = "8×8 bars, two classes, made in memory with fixed seeds (tests and smoke runs)",
        Classes = SyntheticBars.ClassNames.Count,
        IsEvent = false,
        Channels = 1,
        Side = SyntheticBars.Size,
        DefaultTrainSubset = 256,
        DefaultTestSubset = 64,
        // A fixed dataset for every run seed, so seeds vary only the initialisation and the batch order.
        LoadImages = (_, r) => (SyntheticBars.Generate(r.TrainSubset!.Value, seed: 1, "synthetic bars train"),
            SyntheticBars.Generate(r.TestSubset!.Value, seed: 2, "synthetic bars test")),
    };

    /// <summary>Every dataset, in the order configs list them.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } =
        [FashionMnist, Mnist, Cifar10, EmulatedNFashionMnist, NMnist, DvsGesture, Cifar10Dvs, Cifar10DvsStandIn, Synthetic];

    /// <summary>The config names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(d => d.Name)];

    /// <summary>The datasets with files of their own: what `snn data list|verify` shows.</summary>
    public static IReadOnlyList<DatasetInfo> WithFiles { get; } = [.. All.Where(d => d.Verify is not null)];

    /// <summary>The dataset named <paramref name="name"/> (or an alias; any case), or an ArgumentException listing the names.</summary>
    public static DatasetInfo Find(string name) =>
        All.FirstOrDefault(d => d.IsCalled(name))
        ?? throw new ArgumentException($"Unknown dataset '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));

    // Binned frames are cached under the data root, named by the files and the binning.
    private static string Cache() => Path.Combine(DataPaths.Root(), "cache");

    // T bins of a recording downsampled from the DVS128 sensor to the request's size.
    private static Binning Downsampled(DatasetRequest r) => Binning.TimeBins(r.TimeBins) with { Downsample = Dvs128 / r.Size!.Value };

    // Train and test; the train set is disposed when the test set fails to load.
    private static (EventDataset Train, EventDataset Test) Pair(Func<EventDataset> loadTrain, Func<EventDataset> loadTest)
    {
        var train = loadTrain();
        try { return (train, loadTest()); }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static string Expect(int train, int trainExpected, int test, int testExpected, string what)
    {
        if (train != trainExpected || test != testExpected)
            throw new DataFormatException($"{train} training and {test} test {what}; the published dataset has {trainExpected} and {testExpected}.");
        return $"{train} training and {test} test {what}";
    }

    // Evenly spaced sample of up to n paths (first and last included).
    private static IEnumerable<string> Sample(IReadOnlyList<string> paths, int n) =>
        paths.Count <= n ? paths : Enumerable.Range(0, n).Select(i => paths[(int)((long)i * (paths.Count - 1) / (n - 1))]);
}
