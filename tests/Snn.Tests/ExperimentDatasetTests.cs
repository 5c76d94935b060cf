using System.Buffers.Binary;
using Snn.Data;
using Snn.Data.Events;
using Snn.Data.Formats;
using Snn.Experiments;
using TorchSharp;

namespace Snn.Tests;

/// <summary>
/// The experiment datasets beyond Fashion-MNIST: tiny fixtures in each published format under a temporary $SNN_DATA,
/// loaded by <see cref="ExperimentData"/> with the right shapes, labels and values, and trained one epoch end to end;
/// a dataset that is absent stops `snn train` with exit 2 before anything is written.
/// </summary>
public sealed class ExperimentDatasetTests : IDisposable
{
    // Every variable that points the kit at a dataset: cleared so that only the fixtures under $SNN_DATA are found.
    private static readonly string[] Variables =
        ["SNN_DATA", "SNN_FASHION_MNIST_DIR", Mnist.Variable, "SNN_CIFAR10_DIR", "SNN_NMNIST_DIR", "SNN_DVS_GESTURE_DIR", "SNN_CIFAR10_DVS_DIR", "SNN_EMULATED_DIR"];

    private readonly string root = Directory.CreateTempSubdirectory("snn-exp-data ").FullName;
    private readonly Dictionary<string, string?> saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private string Data => Path.Combine(root, "data");
    private string Results => Path.Combine(root, "results");

    public ExperimentDatasetTests()
    {
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
        Environment.SetEnvironmentVariable("SNN_DATA", Data);
    }

    public void Dispose()
    {
        foreach (var (v, value) in saved) Environment.SetEnvironmentVariable(v, value);
        Directory.Delete(root, recursive: true);
    }

    private static ExperimentConfig Config(string dataset, string network, int timeSteps = 2) => ExperimentConfig.Parse($$"""
        {
          "experiment": "unit",
          "dataset": { {{dataset}} },
          "network": "{{network}}",
          "T": {{timeSteps}},
          "plan": { "K": 1, "B": 1, "update": "accumulate" },
          "epochs": 1, "batch": 4, "evalBatch": 8, "seed": 0
        }
        """);

    // IDX: magic 0x0000 08 <rank>, each dimension as a big-endian int32, then the unsigned bytes.
    private static byte[] Idx(byte[] values, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 0x08;
        header[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return [.. header, .. values];
    }

    // n 28×28 images, pixel (y, x) of image i = (10 i + y) mod 256 plus a bright 10×10 square; labels i mod 10.
    private static void WriteIdxSplit(string dir, string prefix, int n)
    {
        Directory.CreateDirectory(dir);
        var pixels = new byte[n * 28 * 28];
        for (var i = 0; i < n; i++)
            for (var y = 0; y < 28; y++)
                for (var x = 0; x < 28; x++)
                    pixels[(i * 28 + y) * 28 + x] = (byte)(y is >= 9 and < 19 && x is >= 9 and < 19 ? 255 : (10 * i + y) % 256);
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), Idx(pixels, n, 28, 28));
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), Idx(Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray(), n));
    }

    // The run trains one epoch and writes its summary; the data are those of the config.
    private void TrainsOneEpoch(ExperimentConfig config)
    {
        var result = new ExperimentRunner(config, Results).Run();
        Assert.Equal(1, result.Summary.Epochs);
        Assert.True(File.Exists(Path.Combine(result.Directory, ExperimentRunner.SummaryFile)));
        Assert.Contains($"\"name\": \"{config.Dataset}\"", File.ReadAllText(Path.Combine(result.Directory, ExperimentRunner.ConfigFile)));
    }

    private static (float[] Input, long[] Shape, long[] Labels) FirstBatch(IBatchSource source, int batch, int timeSteps)
    {
        var (x, y) = source.Batches(batch, timeSteps).First();
        using (x) using (y) return (x.contiguous().data<float>().ToArray(), x.shape, y.data<long>().ToArray());
    }

    [Fact]
    public void Mnist_from_IDX_files()
    {
        WriteIdxSplit(Path.Combine(Data, "mnist"), "train", 12);
        WriteIdxSplit(Path.Combine(Data, "mnist"), "t10k", 6);
        var config = Config("\"name\": \"mnist\"", "4C5-P2-FC10");
        config.CheckAvailable();
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([1, 28, 28], data.Train.StepShape);
            Assert.Equal((12, 6), (data.Train.Count, data.Test.Count));
            var (input, shape, labels) = FirstBatch(data.Train, 4, 2);
            Assert.Equal([2, 4, 1, 28, 28], shape);
            Assert.Equal([0, 1, 2, 3], labels);
            // Direct encoding: every step is the image; image 1, row 5, column 3 holds 10 + 5.
            Assert.Equal(15 / 255f, input[(1 * 28 + 5) * 28 + 3], 6);
            Assert.Equal(15 / 255f, input[((4 + 1) * 28 + 5) * 28 + 3], 6);
        }
        TrainsOneEpoch(config);
    }

    [Fact]
    public void Cifar10_from_binary_batches()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Data, "cifar-10-batches-bin")).FullName;
        for (var b = 1; b <= 5; b++)
            File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"),
                [.. CifarReaderTests.Record((byte)b, (c, y, x) => (byte)(c * 50 + b)), .. CifarReaderTests.Record((byte)(b + 5 == 10 ? 0 : b + 5), (c, y, x) => (byte)x)]);
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), [.. CifarReaderTests.Record(9, (c, y, x) => (byte)y), .. CifarReaderTests.Record(0, (c, y, x) => 1)]);
        var config = Config("\"name\": \"cifar10\"", "4C5-P2-FC10");
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([3, 32, 32], data.Train.StepShape);
            Assert.Equal((10, 2), (data.Train.Count, data.Test.Count));
            var (input, shape, labels) = FirstBatch(data.Train, 4, 2);
            Assert.Equal([2, 4, 3, 32, 32], shape);
            Assert.Equal([1, 6, 2, 7], labels);
            Assert.Equal((2 * 50 + 1) / 255f, input[2 * 1024 + 7], 6);           // sample 0, blue plane
            Assert.Equal(17 / 255f, input[3072 + 1024 + 5 * 32 + 17], 6);        // sample 1, green plane, column 17
        }
        TrainsOneEpoch(config);
    }

    // N-MNIST: 5 bytes per event, x, y, polarity bit and 23-bit timestamp (µs), big-endian.
    private static byte[] NMnistEvents(params (int X, int Y, bool On, int T)[] events) =>
        events.SelectMany(e => new[] { (byte)e.X, (byte)e.Y, (byte)((e.On ? 0x80 : 0) | (e.T >> 16)), (byte)(e.T >> 8), (byte)e.T }).ToArray();

    [Fact]
    public void N_mnist_from_bin_recordings_binned_into_T_frames()
    {
        foreach (var split in new[] { "Train", "Test" })
            for (var d = 0; d < 10; d++)
            {
                var dir = Directory.CreateDirectory(Path.Combine(Data, "n-mnist", split, $"{d}")).FullName;
                File.WriteAllBytes(Path.Combine(dir, "00001.bin"), NMnistEvents((d, 2, true, 0), (d, 3, false, 1_000), (33, 33, true, 2_000)));
            }
        var config = Config("\"name\": \"n-mnist\", \"trainSubset\": 8", "4C5-P2-FC10");
        Assert.True(config.IsEventData);
        config.CheckAvailable();
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([2, 34, 34], data.Train.StepShape);
            Assert.Equal((8, 10), (data.Train.Count, data.Test.Count));
            var (input, shape, labels) = FirstBatch(data.Test, 4, 2);
            Assert.Equal([2, 4, 2, 34, 34], shape);
            Assert.Equal([0, 1, 2, 3], labels);
            // Sample 3 (digit 3): its ON event at (x 3, y 2), t = 0, is in bin 0, channel 1 (ON); three events per recording.
            Assert.Equal(1f, input[((3 * 2 + 1) * 34 + 2) * 34 + 3]);
            Assert.Equal(3f, Enumerable.Range(0, 2).Sum(t => input.AsSpan((t * 4 + 3) * 2 * 34 * 34, 2 * 34 * 34).ToArray().Sum()));
        }
        TrainsOneEpoch(config);
    }

    [Fact]
    public void Dvs_gesture_from_AEDAT_3_1_cut_by_labels_and_downsampled()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Data, "dvs-gesture", "DvsGesture")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "user01_led.aedat"), AedatReaderTests.Gesture());
        File.WriteAllText(Path.Combine(dir, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n3,100,201\n11,201,3000000000\n");
        File.WriteAllText(Path.Combine(dir, "trials_to_train.txt"), "user01_led.aedat\n");
        File.WriteAllText(Path.Combine(dir, "trials_to_test.txt"), "user01_led.aedat\n");
        Assert.EndsWith("FC11", Config("\"name\": \"dvs-gesture\", \"size\": 32", "csnn").Network);   // the zoo CSNN reads out 11 classes
        var config = Config("\"name\": \"dvs-gesture\", \"size\": 32", "4C5-P2-FC11");
        Assert.Equal(32, config.Size);
        config.CheckAvailable();
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([2, 32, 32], data.Train.StepShape);
            Assert.Equal(11, data.Train.ClassNames.Count);
            var (input, shape, labels) = FirstBatch(data.Train, 4, 2);
            Assert.Equal([2, 2, 2, 32, 32], shape);
            Assert.Equal([2, 10], labels);
            // Gesture 0 holds the ON event at (127, 0), t = 100 → (31, 0) after downsampling by 4, in bin 0, and one more.
            Assert.Equal(1f, input[((0 * 2 + 0) * 2 + 1) * 32 * 32 + 31]);
            Assert.Equal(2f, input.Where((_, i) => i / (2 * 32 * 32) % 2 == 0).Sum());
        }
        TrainsOneEpoch(config);
    }

    [Fact]
    public void Cifar10_dvs_from_AEDAT_2_0_with_a_fixed_split_and_seeded_subsets()
    {
        var dataRoot = Path.Combine(Data, "cifar10-dvs");
        for (var c = 0; c < Cifar10Dvs.ClassNames.Count; c++)
        {
            var name = Cifar10Dvs.ClassNames[c];
            Directory.CreateDirectory(Path.Combine(dataRoot, name));
            for (var n = 0; n < 10; n++)
                File.WriteAllBytes(Path.Combine(dataRoot, name, $"cifar10_{name}_{n}.aedat"),
                    Aedat.EncodeCifar10Dvs(new EventStream(128, 128, [(ushort)(10 * c), 127, (ushort)(2 * n)], [5, 127, 64], [0, 500, 1_000], [true, false, true])));
        }
        var config = Config("\"name\": \"cifar10-dvs\", \"size\": 32, \"trainSubset\": 12", "4C5-P2-FC10");
        config.CheckAvailable();
        var (_, test) = Cifar10Dvs.Split(dataRoot, seed: 0);
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([2, 32, 32], data.Train.StepShape);
            Assert.Equal((12, 10), (data.Train.Count, data.Test.Count));
            var testSet = Assert.IsType<EventDataset>(data.Test);
            Assert.Equal(test.Select(t => (long)t.Label).Order(), testSet.Labels.data<long>().ToArray().Order());
            Assert.Equal(3f * 12, Assert.IsType<EventDataset>(data.Train).Frames.sum().item<float>());   // every event binned once
        }
        TrainsOneEpoch(config);
    }

    [Fact]
    public void The_stand_in_is_emulated_from_Fashion_MNIST_at_the_configured_size()
    {
        WriteIdxSplit(Path.Combine(Data, "fashion-mnist"), "train", 20);
        WriteIdxSplit(Path.Combine(Data, "fashion-mnist"), "t10k", 10);
        var config = Config("\"name\": \"cifar10-dvs-stand-in\", \"size\": 16, \"trainSubset\": 8, \"testSubset\": 4", "4C3-P2-FC10");
        var alexnet = Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"cifar10-dvs-stand-in\", \"size\": 16", "alexnet"));
        Assert.Equal("network", alexnet.Key);
        Assert.Contains("2×48×48", alexnet.Message);
        config.CheckAvailable();
        using (var data = ExperimentData.Load(config))
        {
            Assert.Equal([2, 16, 16], data.Train.StepShape);
            Assert.Equal((8, 4), (data.Train.Count, data.Test.Count));
            Assert.True(Assert.IsType<EventDataset>(data.Train).Frames.sum().item<float>() > 0);   // the saccades made events
        }
        Assert.True(File.Exists(Path.Combine(Data, Cifar10DvsStandIn.FolderName, "16px-8-4-seed0", "Train", EmulatedNFashionMnist.MarkerFile)));
        TrainsOneEpoch(config);
    }

    [Fact]
    public void Sizes_and_networks_are_checked_against_the_dataset()
    {
        Assert.Equal(Zoo64(), Config("\"name\": \"cifar10-dvs\", \"size\": 64", "alexnet").Network);
        Assert.Equal([2, 128, 128], Config("\"name\": \"cifar10-dvs\"", "4C5-P4-FC10").InputShape);   // default: no downsampling
        Assert.Equal("dataset.size", Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"cifar10-dvs\", \"size\": 48", "4C5-P2-FC10")).Key);
        Assert.Equal("dataset.size", Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"mnist\", \"size\": 28", "4C5-P2-FC10")).Key);
        Assert.Equal("dataset.size", Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"cifar10-dvs-stand-in\", \"size\": 7", "4C3-P2-FC10")).Key);
        Assert.Equal("dataset.encoding", Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"n-mnist\", \"encoding\": \"poisson\"", "4C5-P2-FC10")).Key);
        Assert.Equal("dataset.timeBins", Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"cifar10\", \"timeBins\": 2", "4C5-P2-FC10")).Key);
        var classes = Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"dvs-gesture\", \"size\": 32", "4C5-P2-FC10"));
        Assert.Equal("network", classes.Key);
        Assert.Contains("11 classes", classes.Message);
        var small = Assert.Throws<ExperimentConfigException>(() => Config("\"name\": \"dvs-gesture\", \"size\": 4", "8C5-FC11"));
        Assert.Equal("network", small.Key);
        Assert.Contains("2×4×4", small.Message);
        // size is part of the canonical form (and the run id) where it applies, and absent elsewhere, so the run ids of
        // the datasets that had no size key are unchanged.
        var (at32, at64) = (Config("\"name\": \"cifar10-dvs\", \"size\": 32", "4C5-P2-FC10"), Config("\"name\": \"cifar10-dvs\", \"size\": 64", "4C5-P2-FC10"));
        Assert.Contains("\"size\": 32", at32.CanonicalJson);
        Assert.NotEqual(at32.RunId, at64.RunId);
        Assert.Equal(at64.RunId, ExperimentConfig.Parse(at64.CanonicalJson).RunId);
        Assert.DoesNotContain("size", Config("\"name\": \"mnist\"", "4C5-P2-FC10").CanonicalJson);
        static string Zoo64() => Snn.Networks.Zoo.AlexNetSpec(64);
    }

    [Theory]
    [InlineData("mnist", "", "fetch-mnist.sh")]
    [InlineData("cifar10", "", "fetch-cifar10.sh")]
    [InlineData("n-mnist", "", "fetch-n-mnist.sh")]
    [InlineData("dvs-gesture", ", \"size\": 32", "fetch-dvs-gesture.sh")]
    [InlineData("cifar10-dvs", ", \"size\": 32", "fetch-cifar10-dvs.sh")]
    [InlineData("cifar10-dvs-stand-in", ", \"size\": 16", "Fashion-MNIST")]
    public void An_absent_dataset_exits_2_naming_dataset_name_and_how_to_get_it(string name, string size, string hint)
    {
        var classes = name == "dvs-gesture" ? 11 : 10;
        var json = $$"""{ "experiment": "unit", "dataset": { "name": "{{name}}"{{size}} }, "network": "4C3-P2-FC{{classes}}", "T": 2, "epochs": 1 }""";
        try
        {
            ExperimentConfig.Parse(json).CheckAvailable();
            Assert.Skip($"{name} is present on this machine outside $SNN_DATA (data/ above the working folder, or Debian's Fashion-MNIST)");
        }
        catch (ExperimentConfigException) { }
        var path = Path.Combine(root, "config.json");
        File.WriteAllText(path, json);
        var (code, _, error) = ConsoleCapture.Snn("train", path, "--results", Results);
        Assert.Equal(2, code);
        Assert.Contains("dataset.name", error);
        Assert.Contains("not present", error);
        Assert.Contains(hint, error);
        Assert.False(Directory.Exists(Results));
        (code, _, error) = ConsoleCapture.Snn("sweep", path, "--results", Results);
        Assert.Equal(2, code);
        Assert.Contains("dataset.name", error);
        Assert.False(Directory.Exists(Results));
    }
}
