using Snn.Data;
using Snn.Data.Events;
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

    public static ExperimentData Load(ExperimentConfig c)
    {
        switch (c.Dataset)
        {
            case ExperimentConfig.EmulatedName:
            {
                var root = EmulatedFolder() ?? throw new ExperimentConfigException("dataset.name", $"{c.Dataset} is not present.");
                var binning = Binning.TimeBins(c.TimeSteps);
                var cache = Path.Combine(DataPaths.Root(), "cache");
                var train = EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST train", Path.Combine(root, "Train"), binning, FashionMnist.ClassNames, cache, c.TrainSubset, c.Seed);
                var test = EventDataset.FromNMnistFolder("emulated N-Fashion-MNIST test", Path.Combine(root, "Test"), binning, FashionMnist.ClassNames, cache, c.TestSubset, c.Seed);
                var data = new ExperimentData { Train = train, Test = test };
                data.owned.AddRange([train, test]);
                return data;
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
                    (train, test) = FashionMnist.Load();
                }
                var (trainPart, testPart) = (Subset(train, c.TrainSubset, c.Seed), Subset(test, c.TestSubset, c.Seed));
                var data = new ExperimentData { Train = Encode(trainPart, c), Test = Encode(testPart, c) };
                data.owned.AddRange([train, test, trainPart, testPart]);
                return data;
            }
        }
    }

    private static ImageDataset Subset(ImageDataset data, int? count, int seed) => count is { } n ? data.Subset(n, seed) : data;

    private static IBatchSource Encode(ImageDataset images, ExperimentConfig c) => c.Encoding switch
    {
        "poisson" => new EpochSeededEncoding(images, seed => new PoissonEncoder(seed), c.Seed),
        "latency" => images.Encoded(new LatencyEncoder()),
        _ => images.Encoded(new DirectEncoder()),
    };
}
