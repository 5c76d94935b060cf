using Snn.Data;
using Snn.Encoders;

namespace Snn.Experiments;

/// <summary>
/// The train and test batch sources a config names, exactly as its run trains on them (e.g. to time or measure a step on
/// a config's data in a notebook); disposing it disposes the datasets it loaded.
/// </summary>
public sealed class ExperimentData : IDisposable
{
    private readonly List<IDisposable> owned = [];

    public required IBatchSource Train { get; init; }
    public required IBatchSource Test { get; init; }

    public void Dispose()
    {
        foreach (var d in owned.Distinct()) d.Dispose();
    }

    /// <summary>
    /// The config's train and test data, loaded as its <see cref="DatasetInfo"/> says (Snn.Data.DatasetRegistry): event
    /// frames binned at T and size, or images subset and encoded. An absent dataset is an error naming dataset.name.
    /// </summary>
    public static ExperimentData Load(ExperimentConfig c)
    {
        var info = c.DatasetInfo;
        var folder = info.NeedsFiles ? info.Locate() ?? throw new ExperimentConfigException("dataset.name", info.NotPresent()) : null;
        var request = new DatasetRequest(c.TimeSteps, c.Size, c.TrainSubset, c.TestSubset, c.Seed);
        if (info.IsEvent)
        {
            var (trainFrames, testFrames) = info.LoadEvents!(folder!, request);
            var events = new ExperimentData { Train = trainFrames, Test = testFrames };
            events.owned.AddRange([trainFrames, testFrames]);
            return events;
        }
        var (train, test) = info.LoadImages!(folder, request);
        var (trainPart, testPart) = (Subset(train, c.TrainSubset, c.Seed), Subset(test, c.TestSubset, c.Seed));
        var data = new ExperimentData { Train = Encode(trainPart, c), Test = Encode(testPart, c) };
        data.owned.AddRange([train, test, trainPart, testPart]);
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
