using Snn.Data;
using Snn.Data.Events;
using Snn.Data.Formats;
using TorchSharp;

namespace Snn.Tests;

public sealed class Cifar10DvsStandInTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-c10dvs-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly string[] Classes = ["a", "b", "c"];

    // Bright bars of different sizes on black 28×28 images, labels 0, 1, 2, 0, ….
    private static ImageDataset Bars(int count, string name)
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.zeros(count, 1, 28, 28);
        for (var i = 0; i < count; i++) images[i, 0, (4 + i)..(12 + i), 6..(12 + 2 * i)] = torch.tensor(1f);
        var labels = torch.tensor(Enumerable.Range(0, count).Select(i => (long)(i % 3)).ToArray());
        return new ImageDataset(name, images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), Classes);
    }

    private static bool Same(torch.Tensor a, torch.Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Frames_have_the_CIFAR10_DVS_layout_T_N_2_H_W_with_events_in_every_sample()
    {
        using var train = Bars(6, "bars train");
        using var test = Bars(4, "bars test");
        var (a, b) = Cifar10DvsStandIn.Load(train, test, size: 48, timeBins: 5, trainCount: 6, testCount: 4, seed: 3, root: dir);
        using (a) using (b)
        {
            Assert.Equal(new long[] { 6, 5, 2, 48, 48 }, a.Frames.shape);
            Assert.Equal(new long[] { 4, 5, 2, 48, 48 }, b.Frames.shape);
            // Through the trainer's path: time-major [T, N, 2, H, W].
            var (x, y) = ((IBatchSource)a).Batches(4, 5).First();
            using (x) using (y) Assert.Equal(new long[] { 5, 4, 2, 48, 48 }, x.shape);
            using var perSample = a.Frames.sum([1, 2, 3, 4]);
            Assert.True(perSample.gt(100).all().item<bool>(), $"events per sample: {string.Join(", ", perSample.data<float>().ToArray())}");
            // Both polarities occur (the image moves back and forth), and counts match the stored recordings.
            using var perChannel = a.Frames.sum([0, 1, 3, 4]);
            Assert.True(perChannel.gt(0).all().item<bool>());
            var split = Path.Combine(dir, "48px-6-4-seed3", "Train");
            Assert.True(EmulatedNFashionMnist.IsEmulated(split));
            var events = NMnist.ListSplit(split, Classes.Length).Sum(s => NMnist.Read(s.Path, 48, 48).Count);
            Assert.Equal(events, a.Frames.sum().item<float>());
            Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2 }, a.Labels.data<long>().ToArray().Order().ToArray());
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_frames_and_another_seed_other_ones()
    {
        using var train = Bars(6, "bars train");
        using var test = Bars(4, "bars test");
        var (first, firstTest) = Cifar10DvsStandIn.Load(train, test, 48, 4, 6, 4, seed: 1, root: Path.Combine(dir, "one"));
        var (again, againTest) = Cifar10DvsStandIn.Load(train, test, 48, 4, 6, 4, seed: 1, root: Path.Combine(dir, "two"));
        var (other, otherTest) = Cifar10DvsStandIn.Load(train, test, 48, 4, 6, 4, seed: 2, root: Path.Combine(dir, "three"));
        using (first) using (firstTest) using (again) using (againTest) using (other) using (otherTest)
        {
            Assert.False(again.LoadedFromCache);   // generated afresh in another folder
            Assert.True(Same(first.Frames, again.Frames));
            Assert.True(Same(firstTest.Frames, againTest.Frames));
            Assert.Equal(first.Labels.data<long>().ToArray(), again.Labels.data<long>().ToArray());
            Assert.False(Same(first.Frames, other.Frames));
        }
    }

    [Fact]
    public void A_second_load_reuses_the_recordings_and_the_frame_cache()
    {
        using var train = Bars(6, "bars train");
        using var test = Bars(4, "bars test");
        var (a, b) = Cifar10DvsStandIn.Load(train, test, 48, 4, 6, 4, seed: 0, root: dir);
        var file = NMnist.ListSplit(Path.Combine(dir, "48px-6-4-seed0", "Train"), Classes.Length)[0].Path;
        var written = File.GetLastWriteTimeUtc(file);
        var (c, d) = Cifar10DvsStandIn.Load(train, test, 48, 4, 6, 4, seed: 0, root: dir);
        using (a) using (b) using (c) using (d)
        {
            Assert.True(c.LoadedFromCache && d.LoadedFromCache);
            Assert.Equal(written, File.GetLastWriteTimeUtc(file));
            Assert.True(Same(a.Frames, c.Frames));
        }
    }

    [Fact]
    public void Images_are_upscaled_to_28_34ths_of_the_sensor_and_the_saccades_scale_with_it()
    {
        Assert.Equal(40, Cifar10DvsStandIn.ImageSide(48));
        Assert.Equal(53, Cifar10DvsStandIn.ImageSide(64));
        Assert.Equal(105, Cifar10DvsStandIn.ImageSide(128));
        Assert.Equal(64, Cifar10DvsStandIn.Emulator(64).SensorSize);
        Assert.Equal(4.0 * 64 / 34, Cifar10DvsStandIn.Emulator(64).SaccadeAmplitude, 12);
        using var bars = Bars(2, "bars");
        using var big = Cifar10DvsStandIn.Upscale(bars, 56);
        Assert.Equal(new long[] { 2, 1, 56, 56 }, big.Images.shape);
        // Bilinear upscaling by 2 keeps the mean brightness (up to the border) and the labels.
        Assert.Equal(bars.Images.mean().item<float>(), big.Images.mean().item<float>(), 2);
        Assert.Equal(bars.Labels.data<long>().ToArray(), big.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        using var bars = Bars(2, "bars");
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => Cifar10DvsStandIn.Load(bars, bars, 240, 4, 2, 2, root: dir)).ParamName);
        Assert.Equal("timeBins", Assert.Throws<ArgumentOutOfRangeException>(() => Cifar10DvsStandIn.Load(bars, bars, 48, 0, 2, 2, root: dir)).ParamName);
        Assert.Equal("dataset", Assert.Throws<ArgumentException>(() => Cifar10DvsFrames.Load("cifar10", 48, 4, 2, 2)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => Cifar10DvsFrames.Load(Cifar10DvsFrames.Recorded, 48, 4, 2, 2, folder: dir)).ParamName);
        Assert.True(Cifar10DvsFrames.IsEmulated(Cifar10DvsFrames.StandIn));
        Assert.False(Cifar10DvsFrames.IsEmulated(Cifar10DvsFrames.Recorded));
    }

    [Fact]
    public void The_recorded_source_reads_a_CIFAR10_DVS_folder_downsampled_to_the_frame_size()
    {
        // Ten tiny recordings per class in the published layout (<class>/cifar10_<class>_<n>.aedat, 128×128 sensor).
        var root = Path.Combine(dir, "CIFAR10-DVS");
        for (var c = 0; c < Cifar10Dvs.ClassNames.Count; c++)
        {
            var name = Cifar10Dvs.ClassNames[c];
            Directory.CreateDirectory(Path.Combine(root, name));
            for (var n = 0; n < 10; n++)
            {
                ushort[] x = [(ushort)(10 * c), 127, (ushort)(2 * n)];
                ushort[] y = [5, 127, 64];
                var events = new EventStream(128, 128, x, y, [0, 500, 1_000 + c], [true, false, true]);
                File.WriteAllBytes(Path.Combine(root, name, $"cifar10_{name}_{n}.aedat"), Aedat.EncodeCifar10Dvs(events));
            }
        }
        var (train, test) = Cifar10DvsFrames.Load(Cifar10DvsFrames.Recorded, 64, 2, trainCount: 5, testCount: 100, seed: 0, folder: root);
        using (train) using (test)
        {
            Assert.Equal(new long[] { 5, 2, 2, 64, 64 }, train.Frames.shape);   // a seeded subset of the 90 training recordings
            Assert.Equal(10, test.Count);                                      // the 9:1 split leaves one per class for testing
            Assert.Equal(3 * 5, train.Frames.sum().item<float>());               // every event binned once, downsampled by 2
            using var corner = train.Frames[.., .., 0, 63, 63].sum();            // the OFF event at (127, 127) lands on (63, 63)
            Assert.Equal(5, corner.item<float>());
        }
    }
}
