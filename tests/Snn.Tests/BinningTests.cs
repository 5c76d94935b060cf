using Snn.Data.Events;

namespace Snn.Tests;

/// <summary>Binning checked against slices worked out by hand from Tonic's slicer formulas.</summary>
public sealed class BinningTests
{
    // 11 events at t = 0..10 µs on a 4×2 sensor; x = i mod 4, y = i mod 2, ON when i is even.
    private static EventStream Ramp() => new(4, 2,
        Enumerable.Range(0, 11).Select(i => (ushort)(i % 4)).ToArray(),
        Enumerable.Range(0, 11).Select(i => (ushort)(i % 2)).ToArray(),
        Enumerable.Range(0, 11).Select(i => (long)i).ToArray(),
        Enumerable.Range(0, 11).Select(i => i % 2 == 0).ToArray());

    private static (int, int)[] S(params (int, int)[] s) => s;

    [Fact]
    public void Time_window_slices_match_hand_computed_windows()
    {
        // floor((10 - 3) / 3) + 1 = 3 windows [0,3) [3,6) [6,9); with incomplete a 4th [9,12).
        Assert.Equal(S((0, 3), (3, 6), (6, 9)), EventBinning.Slices(Ramp(), Binning.TimeWindow(3)));
        Assert.Equal(S((0, 3), (3, 6), (6, 9), (9, 11)), EventBinning.Slices(Ramp(), Binning.TimeWindow(3, includeIncomplete: true)));
        // window 4, overlap 2 → stride 2: [0,4) [2,6) [4,8) [6,10).
        Assert.Equal(S((0, 4), (2, 6), (4, 8), (6, 10)), EventBinning.Slices(Ramp(), Binning.TimeWindow(4, overlap: 2)));
    }

    [Fact]
    public void Event_count_slices_match_hand_computed_windows()
    {
        Assert.Equal(S((0, 4), (4, 8)), EventBinning.Slices(Ramp(), Binning.EventCount(4)));
        Assert.Equal(S((0, 4), (4, 8), (8, 11)), EventBinning.Slices(Ramp(), Binning.EventCount(4, includeIncomplete: true)));
        Assert.Equal(S((0, 4), (2, 6), (4, 8), (6, 10)), EventBinning.Slices(Ramp(), Binning.EventCount(4, overlap: 2)));
    }

    [Fact]
    public void Time_bins_match_hand_computed_windows_and_keep_the_tail()
    {
        // window = 10 // 3 = 3: [0,3) [3,6) and the last bin closed at the last event: [6, 10].
        Assert.Equal(S((0, 3), (3, 6), (6, 11)), EventBinning.Slices(Ramp(), Binning.TimeBins(3)));
        // 2 bins, overlap 0.5: window = 5 * 1.5 = 7.5, stride 3.75 → [0, 7.5) = events 0..7, [3.75, end] = 4..10.
        Assert.Equal(S((0, 8), (4, 11)), EventBinning.Slices(Ramp(), Binning.TimeBins(2, 0.5)));
    }

    [Fact]
    public void Event_bins_match_hand_computed_windows_and_keep_the_tail()
    {
        Assert.Equal(S((0, 3), (3, 6), (6, 11)), EventBinning.Slices(Ramp(), Binning.EventBins(3)));
        // size = 11 // 2 * 1.5 = 7, stride 3: [0,7) [3,11).
        Assert.Equal(S((0, 7), (3, 11)), EventBinning.Slices(Ramp(), Binning.EventBins(2, 0.5)));
    }

    [Theory]
    [InlineData(BinningMode.TimeBins, 3)]
    [InlineData(BinningMode.TimeBins, 7)]
    [InlineData(BinningMode.EventBins, 4)]
    [InlineData(BinningMode.TimeWindow, 20_000)]
    [InlineData(BinningMode.EventCount, 97)]
    public void Frames_conserve_event_counts_per_polarity(BinningMode mode, long value)
    {
        var rng = new Random(1);
        var n = 1000;
        var t = Enumerable.Range(0, n).Select(_ => (long)rng.Next(300_000)).Order().ToArray();
        var ev = new EventStream(34, 34, Enumerable.Range(0, n).Select(_ => (ushort)rng.Next(34)).ToArray(),
            Enumerable.Range(0, n).Select(_ => (ushort)rng.Next(34)).ToArray(), t,
            Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0).ToArray());
        var b = new Binning(mode, value, IncludeIncomplete: true);
        using var frames = b.ToFrames(ev);
        Assert.Equal(4, frames.dim());
        Assert.Equal(2, frames.shape[1]);
        if (mode is BinningMode.TimeBins or BinningMode.EventBins) Assert.Equal(value, frames.shape[0]);
        Assert.Equal(n, frames.sum().item<float>());
        Assert.Equal(ev.OnCount, frames[.., 1].sum().item<float>());
        // Downsampling by 4 keeps every event on a 9×9 sensor.
        using var small = (b with { Downsample = 4 }).ToFrames(ev);
        Assert.Equal(new long[] { 9, 9 }, small.shape[2..]);
        Assert.Equal(n, small.sum().item<float>());
    }

    [Fact]
    public void Frames_put_each_event_at_its_pixel_and_polarity_channel()
    {
        using var f = Binning.TimeBins(2).ToFrames(Ramp());
        // Bin 0 holds t = 0..4 (window 5): event 2 at (2, 0) ON, event 3 at (3, 1) OFF, event 4 at (0, 0) ON.
        Assert.Equal(2f, f[0, 1, 0, 0].item<float>()); // events 0 and 4
        Assert.Equal(1f, f[0, 0, 1, 3].item<float>());
        Assert.Equal(0f, f[0, 0, 0, 2].item<float>());
        Assert.Equal(5f, f[0].sum().item<float>());
        Assert.Equal(6f, f[1].sum().item<float>());
        using var merged = (Binning.TimeBins(2) with { MergePolarity = true }).ToFrames(Ramp());
        Assert.Equal(1, merged.shape[1]);
    }

    [Fact]
    public void Refractory_and_denoise_drop_the_hand_picked_events()
    {
        // Pixel (0,0) fires at 0, 5, 20: with a 10 µs refractory period the event at 5 goes.
        var ev = new EventStream(3, 3, [0, 0, 0, 2], [0, 0, 0, 2], [0, 5, 20, 21], [true, true, false, true]);
        Assert.Equal(new long[] { 0, 20, 21 }, EventBinning.Refractory(ev, 10).T);
        // Denoise: (1,0) at 3 is supported by its neighbour (0,0) at 0; the isolated corner events are not.
        var dn = new EventStream(3, 3, [0, 1, 2], [0, 0, 2], [0, 3, 4], [true, true, true]);
        var kept = EventBinning.Denoise(dn, 10);
        Assert.Equal(new long[] { 3 }, kept.T);
        // The supporting neighbour must be recent: 12 µs later it is not.
        Assert.Empty(EventBinning.Denoise(new EventStream(3, 3, [0, 1], [0, 0], [0, 12], [true, true]), 10).T);
    }

    [Fact]
    public void Bad_parameters_are_rejected_by_name()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventBinning.Slices(Ramp(), Binning.TimeWindow(3, overlap: 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventBinning.Slices(Ramp(), Binning.TimeBins(3, 1.0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventBinning.Slices(Ramp(), Binning.TimeBins(0)));
        Assert.NotEqual(Binning.TimeBins(3).Key, Binning.TimeBins(3, 0.25).Key);
    }
}
