using Snn.Data;
using Snn.Data.Events;
using Snn.Data.Formats;
using Snn.Encoders;

namespace Snn.Experiments;

/// <summary>The train and test batch sources a config names, and the datasets to dispose after the run.</summary>
internal sealed class ExperimentData : IDisposable
{
    private readonly List<IDisposable> owned = [];

    public required IBatchSource Train { get; init; }
    public required IBatchSource Test { get; init; }

    public void Dispose()
    {
        foreach (var d in owned.Distinct()) d.Dispose();
    }

    /// <summary>The root of the emulated N-Fashion-MNIST (with Train/ and Test/), or null when absent.</summary>
    public static string? EmulatedFolder() =>
        DataPaths.Candidates(null, "SNN_EMULATED_DIR", EmulatedNFashionMnist.FolderName)
            .FirstOrDefault(d => Directory.Exists(Path.Combine(d, "Train")) && Directory.Exists(Path.Combine(d, "Test")) && EmulatedNFashionMnist.IsEmulated(d));

    // Where each recorded event dataset is looked for ($VARIABLE, $SNN_DATA/<folder>, data/<folder> up the tree), what a
    // folder must hold to count as present (cheap: directory and list files only), and the script that fetches it.
    private static (string Variable, string Folder, string Script, Func<string, bool> Holds) Recordings(string dataset) => dataset switch
    {
        ExperimentConfig.NMnistName => ("SNN_NMNIST_DIR", "n-mnist", "data-scripts/fetch-n-mnist.sh",
            d => Directory.Exists(Path.Combine(d, "Train")) && Directory.Exists(Path.Combine(d, "Test"))),
        ExperimentConfig.DvsGestureName => ("SNN_DVS_GESTURE_DIR", "dvs-gesture", "data-scripts/fetch-dvs-gesture.sh (a manual download first)",
            d => File.Exists(Path.Combine(d, "trials_to_train.txt")) && File.Exists(Path.Combine(d, "trials_to_test.txt"))),
        ExperimentConfig.Cifar10DvsName => ("SNN_CIFAR10_DVS_DIR", "cifar10-dvs", "data-scripts/fetch-cifar10-dvs.sh",
            d => Cifar10Dvs.ClassNames.All(c => Directory.Exists(Path.Combine(d, c)))),
        _ => throw new ArgumentException($"{dataset} is not a recorded event dataset.", nameof(dataset)),
    };

    /// <summary>The folder of N-MNIST (Train/, Test/), DVS128 Gesture (the DvsGesture folder) or CIFAR10-DVS (class folders), or null.</summary>
    public static string? RecordingsFolder(string dataset)
    {
        var (variable, folder, _, holds) = Recordings(dataset);
        var candidates = DataPaths.Candidates(null, variable, folder);
        // DVS Gesture unpacks into <folder>/DvsGesture/; accept the variable pointing at either.
        if (dataset == ExperimentConfig.DvsGestureName) candidates = candidates.SelectMany(d => new[] { Path.Combine(d, "DvsGesture"), d });
        return candidates.FirstOrDefault(d => Directory.Exists(d) && holds(d));
    }

    /// <summary>The message for a recorded event dataset that is not present: where it was looked for and how to get it.</summary>
    public static string NotPresent(string dataset)
    {
        var (variable, folder, script, _) = Recordings(dataset);
        var looked = string.Join(", ", DataPaths.Candidates(null, variable, folder));
        var sub = dataset == ExperimentConfig.DvsGestureName ? ", each or its DvsGesture/" : "";
        return $"{dataset} is not present (looked in ${variable}, $SNN_DATA/{folder}, data/{folder} in the current folder or a parent{sub}: {looked}); "
            + $"fetch it with {script}, check it with `snn data verify {folder}`, or set {variable}.";
    }

    public static ExperimentData Load(ExperimentConfig c)
    {
        var cache = Path.Combine(DataPaths.Root(), "cache");
        switch (c.Dataset)
        {
            case ExperimentConfig.NMnistName:
            {
                var root = RecordingsFolder(c.Dataset) ?? throw new ExperimentConfigException("dataset.name", NotPresent(c.Dataset));
                var binning = Binning.TimeBins(c.TimeSteps);
                return Owning(
                    EventDataset.FromNMnistFolder("N-MNIST train", Path.Combine(root, "Train"), binning, Mnist.ClassNames, cache, c.TrainSubset, c.Seed),
                    () => EventDataset.FromNMnistFolder("N-MNIST test", Path.Combine(root, "Test"), binning, Mnist.ClassNames, cache, c.TestSubset, c.Seed));
            }
            case ExperimentConfig.DvsGestureName:
            {
                var root = RecordingsFolder(c.Dataset) ?? throw new ExperimentConfigException("dataset.name", NotPresent(c.Dataset));
                var binning = Binning.TimeBins(c.TimeSteps) with { Downsample = ExperimentConfig.SensorSize / c.Size!.Value };
                return Owning(
                    EventDataset.FromDvsGesture(root, train: true, binning, cache, c.TrainSubset, c.Seed),
                    () => EventDataset.FromDvsGesture(root, train: false, binning, cache, c.TestSubset, c.Seed));
            }
            case ExperimentConfig.Cifar10DvsName:
            {
                var root = RecordingsFolder(c.Dataset) ?? throw new ExperimentConfigException("dataset.name", NotPresent(c.Dataset));
                var binning = Binning.TimeBins(c.TimeSteps) with { Downsample = ExperimentConfig.SensorSize / c.Size!.Value };
                // One 9:1 split for every run (split seed 0): run seeds vary the subsets, not which recordings are test data.
                var (trainFiles, testFiles) = Cifar10Dvs.Split(root, seed: 0);
                return Owning(
                    EventDataset.Load("CIFAR10-DVS train", EventDataset.SeededSubset(trainFiles, c.TrainSubset, c.Seed), Aedat.ReadCifar10Dvs, binning, Cifar10Dvs.ClassNames, cache),
                    () => EventDataset.Load("CIFAR10-DVS test", EventDataset.SeededSubset(testFiles, c.TestSubset, c.Seed), Aedat.ReadCifar10Dvs, binning, Cifar10Dvs.ClassNames, cache));
            }
            case ExperimentConfig.StandInName:
            {
                var (images, testImages) = FashionMnist.Load();
                using (images) using (testImages)
                {
                    var (train, test) = Cifar10DvsStandIn.Load(images, testImages, c.Size!.Value, c.TimeSteps,
                        c.TrainSubset ?? images.Count, c.TestSubset ?? testImages.Count, c.Seed);
                    return Owning(train, () => test);
                }
            }
            case ExperimentConfig.EmulatedName:
            {
                var root = EmulatedFolder() ?? throw new ExperimentConfigException("dataset.name", $"{c.Dataset} is not present.");
                var binning = Binning.TimeBins(c.TimeSteps);
                return Owning(
                    EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST train", Path.Combine(root, "Train"), binning, FashionMnist.ClassNames, cache, c.TrainSubset, c.Seed),
                    () => EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST test", Path.Combine(root, "Test"), binning, FashionMnist.ClassNames, cache, c.TestSubset, c.Seed));
            }
            default:
            {
                ImageDataset train, test;
                if (c.Dataset == ExperimentConfig.SyntheticName)
                {
                    // A fixed dataset for every run seed, so seeds vary only the initialisation and the batch order.
                    train = SyntheticBars.Generate(c.TrainSubset!.Value, seed: 1, "synthetic bars train");
                    test = SyntheticBars.Generate(c.TestSubset!.Value, seed: 2, "synthetic bars test");
                }
                else
                {
                    (train, test) = c.Dataset switch
                    {
                        ExperimentConfig.MnistName => Mnist.Load(),
                        ExperimentConfig.Cifar10Name => Cifar10.Load(),
                        _ => FashionMnist.Load(),
                    };
                }
                var (trainPart, testPart) = (Subset(train, c.TrainSubset, c.Seed), Subset(test, c.TestSubset, c.Seed));
                var data = new ExperimentData { Train = Encode(trainPart, c), Test = Encode(testPart, c) };
                data.owned.AddRange([train, test, trainPart, testPart]);
                return data;
            }
        }
    }

    // Train and test event datasets owned by the result; the train set is disposed when the test set fails to load.
    private static ExperimentData Owning(EventDataset train, Func<EventDataset> loadTest)
    {
        EventDataset test;
        try { test = loadTest(); }
        catch
        {
            train.Dispose();
            throw;
        }
        var data = new ExperimentData { Train = train, Test = test };
        data.owned.AddRange([train, test]);
        return data;
    }

    private static ImageDataset Subset(ImageDataset data, int? count, int seed) => count is { } n ? data.Subset(n, seed) : data;

    private static IBatchSource Encode(ImageDataset images, ExperimentConfig c) => c.Encoding switch
    {
        "poisson" => new EpochSeededEncoding(images, seed => new PoissonEncoder(seed), c.Seed),
        "latency" => images.Encoded(new LatencyEncoder()),
        _ => images.Encoded(new DirectEncoder()),
    };
}
