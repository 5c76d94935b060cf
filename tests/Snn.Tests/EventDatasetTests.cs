using Snn.Data;
using TorchSharp;
using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Tests;

public sealed class EventDatasetTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-evds-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly string[] Classes = ["a", "b", "c"];

    // 6 emulated samples in the N-MNIST layout (Train/<label>/<n>.bin).
    private string MakeFolder()
    {
        using var images = torch.zeros(6, 1, 28, 28);
        for (var i = 0; i < 6; i++) images[i, 0, 4 + i, 4..(10 + 2 * i)] = torch.tensor(1f);
        using var src = new ImageDataset("squares", images, torch.tensor(new long[] { 0, 1, 2, 0, 1, 2 }), Classes);
        return EmulatedNFashionMnist.Generate(src, Path.Combine(dir, "emu"), "Train", 6);
    }

    [Fact]
    public void Loads_bins_caches_and_batches_time_major()
    {
        var split = MakeFolder();
        Assert.True(EmulatedNFashionMnist.IsEmulated(Path.Combine(dir, "emu")));
        var cache = Path.Combine(dir, "cache");
        using var first = EventDataset.FromNMnistFolder("emu", split, Binning.TimeBins(5), Classes, cache);
        Assert.False(first.LoadedFromCache);
        Assert.Equal(new long[] { 6, 5, 2, 34, 34 }, first.Frames.shape);
        var counts = NMnist.ListSplit(split, 3).Sum(s => NMnist.Read(s.Path).Count);
        Assert.Equal(counts, first.Frames.sum().item<float>());

        using var second = EventDataset.FromNMnistFolder("emu", split, Binning.TimeBins(5), Classes, cache);
        Assert.True(second.LoadedFromCache);
        Assert.True(first.Frames.eq(second.Frames).all().item<bool>());
        Assert.Equal(first.Labels.data<long>().ToArray(), second.Labels.data<long>().ToArray());
        using var other = EventDataset.FromNMnistFolder("emu", split, Binning.TimeBins(4), Classes, cache);
        Assert.False(other.LoadedFromCache); // the key includes the binning

        var batches = first.Batches(4, shuffle: true, seed: 1).ToList();
        Assert.Equal(new long[] { 5, 4, 2, 34, 34 }, batches[0].Frames.shape);
        Assert.Equal(2, batches[1].Labels.shape[0]);
        var seen = batches.SelectMany(b => b.Labels.data<long>().ToArray()).Order().ToArray();
        Assert.Equal(first.Labels.data<long>().ToArray().Order().ToArray(), seen);

        // Prefetching on a worker thread yields exactly the same batches.
        var prefetched = first.Batches(4, shuffle: true, seed: 1, prefetch: true).ToList();
        Assert.Equal(batches.Count, prefetched.Count);
        for (var b = 0; b < batches.Count; b++)
        {
            Assert.True(batches[b].Frames.eq(prefetched[b].Frames).all().item<bool>());
            Assert.Equal(batches[b].Labels.data<long>().ToArray(), prefetched[b].Labels.data<long>().ToArray());
        }
        foreach (var (f, l) in prefetched) { f.Dispose(); l.Dispose(); }

        // Through the trainer's path (IBatchSource): [T, N, C, H, W] as binned, and only the binning's T.
        IBatchSource source = first;
        Assert.Equal(new long[] { 2, 34, 34 }, source.StepShape);
        Assert.Equal(5, source.TimeSteps);
        var (input, inputLabels) = source.Batches(first.Count, 5).Single();
        Assert.True(input.eq(first.Frames.transpose(0, 1)).all().item<bool>());
        Assert.Equal(first.Labels.data<long>().ToArray(), inputLabels.data<long>().ToArray());
        input.Dispose(); inputLabels.Dispose();
        Assert.Contains("T = 5", Assert.Throws<ArgumentException>(() => source.Batches(4, 4).First()).Message);
        using var binary = first.WithCountsClamped(1f);
        Assert.Equal(1f, binary.Frames.max().item<float>());
        Assert.True(binary.Frames.eq(first.Frames.clamp(0, 1)).all().item<bool>());
    }

    [Fact]
    public void Variable_length_binning_is_rejected_with_advice()
    {
        var split = MakeFolder();
        var e = Assert.Throws<InvalidOperationException>(() => EventDataset.FromNMnistFolder("emu", split, Binning.EventCount(50), Classes));
        Assert.Contains("TimeBins", e.ToString());
    }

    [Fact]
    public void A_corrupt_recording_fails_with_the_readers_message()
    {
        var split = MakeFolder();
        var victim = NMnist.ListSplit(split, 3)[2].Path;
        var bytes = File.ReadAllBytes(victim);
        File.WriteAllBytes(victim, bytes[..^2]);
        var e = Assert.Throws<DataFormatException>(() => EventDataset.FromNMnistFolder("emu", split, Binning.TimeBins(3), Classes));
        Assert.Contains(Path.GetFileName(victim), e.Message);
        Assert.Contains("offset", e.Message);
    }
}
