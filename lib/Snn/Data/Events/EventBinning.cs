using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data.Events;

/// <summary>
/// Event-stream transforms: Tonic's ToFrame slicing rules (tonic.slicers), Downsample, RefractoryPeriod
/// and Denoise. One deliberate difference: in TimeBins and EventBins mode the last bin is closed at the
/// last event (as SpikingJelly does), because Tonic's integer window length drops the tail and event
/// counts would not be conserved.
/// </summary>
public static class EventBinning
{
    /// <summary>[start, end) event index ranges of each frame.</summary>
    public static (int Start, int End)[] Slices(EventStream events, Binning b)
    {
        b.Validate();
        var n = events.Count;
        var t = events.T;
        if (n == 0) return b.Mode is BinningMode.TimeBins or BinningMode.EventBins ? Enumerable.Repeat((0, 0), (int)b.Value).ToArray() : [(0, 0)];
        switch (b.Mode)
        {
            case BinningMode.TimeWindow:
                {
                    var window = b.Value;
                    var stride = window - (long)b.Overlap;
                    var span = (double)(t[^1] - t[0] - window) / stride;
                    var count = Math.Max(1, (int)(b.IncludeIncomplete ? Math.Ceiling(span) : Math.Floor(span)) + 1);
                    return Enumerable.Range(0, count).Select(i =>
                    {
                        var start = t[0] + i * stride;
                        return (EventStream.LowerBound(t, start), EventStream.LowerBound(t, start + window));
                    }).ToArray();
                }
            case BinningMode.EventCount:
                {
                    var size = (int)Math.Min(b.Value, n);
                    var stride = size - (int)b.Overlap;
                    if (stride < 1) stride = 1;
                    var span = (double)(n - size) / stride;
                    var count = (int)(b.IncludeIncomplete ? Math.Ceiling(span) : Math.Floor(span)) + 1;
                    return Enumerable.Range(0, count).Select(i => (i * stride, Math.Min(n, i * stride + size))).ToArray();
                }
            case BinningMode.TimeBins:
                {
                    // Tonic: time_window = (t_last - t_first) // bins * (1 + overlap), stride = window * (1 - overlap), in real numbers.
                    var bins = (int)b.Value;
                    var window = ((t[^1] - t[0]) / bins) * (1 + b.Overlap);
                    var stride = window * (1 - b.Overlap);
                    return Enumerable.Range(0, bins).Select(i =>
                    {
                        var start = t[0] + i * stride;
                        var end = i == bins - 1 ? n : EventStream.LowerBound(t, (long)Math.Ceiling(start + window));
                        return (EventStream.LowerBound(t, (long)Math.Ceiling(start)), end);
                    }).ToArray();
                }
            case BinningMode.EventBins:
                {
                    var bins = (int)b.Value;
                    var size = (int)(n / bins * (1 + b.Overlap));
                    var stride = (int)(size * (1 - b.Overlap));
                    return Enumerable.Range(0, bins).Select(i => (Math.Min(n, i * stride), i == bins - 1 ? n : Math.Min(n, i * stride + size))).ToArray();
                }
            default: throw new ArgumentOutOfRangeException(nameof(b), b.Mode, "Unknown binning mode.");
        }
    }

    /// <summary>Applies the filters and downsampling in <paramref name="b"/>, then bins into [T, C, H, W].</summary>
    public static Tensor ToFrames(EventStream events, Binning b)
    {
        var data = FrameCounts(events, b, out var shape);
        return torch.tensor(data, shape);
    }

    /// <summary>As <see cref="ToFrames"/> but as a row-major float array (no tensor: safe on worker threads).</summary>
    public static float[] FrameCounts(EventStream events, Binning b, out long[] shape)
    {
        b.Validate();
        if (b.RefractoryUs > 0) events = Refractory(events, b.RefractoryUs);
        if (b.DenoiseUs > 0) events = Denoise(events, b.DenoiseUs);
        if (b.Downsample > 1) events = Downsample(events, b.Downsample);
        var slices = Slices(events, b);
        int c = b.Channels, h = events.Height, w = events.Width;
        var plane = (long)c * h * w;
        var frames = new float[slices.Length * plane];
        for (var f = 0; f < slices.Length; f++)
        {
            var (s, e) = slices[f];
            for (var i = s; i < e; i++)
            {
                var ch = c == 1 || !events.Polarity[i] ? 0 : 1; // channel 0 = OFF, 1 = ON (Tonic's order)
                frames[f * plane + ((long)ch * h + events.Y[i]) * w + events.X[i]] += 1;
            }
        }
        shape = [slices.Length, c, h, w];
        return frames;
    }

    /// <summary>Spatial downsampling by an integer factor: x → x / factor, sensor size rounded up.</summary>
    public static EventStream Downsample(EventStream e, int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Factor must be ≥ 1.");
        return new EventStream((e.Width + factor - 1) / factor, (e.Height + factor - 1) / factor,
            e.X.Select(x => (ushort)(x / factor)).ToArray(), e.Y.Select(y => (ushort)(y / factor)).ToArray(),
            (long[])e.T.Clone(), (bool[])e.Polarity.Clone(), requireSorted: false);
    }

    /// <summary>Refractory filter: drops an event if its pixel had a kept event less than <paramref name="periodUs"/> earlier.</summary>
    public static EventStream Refractory(EventStream e, long periodUs)
    {
        var last = new long[e.Width * e.Height];
        Array.Fill(last, long.MinValue);
        return e.Where(i =>
        {
            var p = e.Y[i] * e.Width + e.X[i];
            if (last[p] != long.MinValue && e.T[i] - last[p] < periodUs) return false;
            last[p] = e.T[i];
            return true;
        });
    }

    /// <summary>
    /// Denoise (Tonic's denoise_numpy): keeps an event only if one of its 4 neighbours had an event
    /// within <paramref name="filterUs"/> before it; isolated noise events are dropped. Unlike Tonic, a
    /// pixel with no event yet gives no support (Tonic's memory starts at filterUs, keeping every event
    /// with a neighbour during the first filterUs).
    /// </summary>
    public static EventStream Denoise(EventStream e, long filterUs)
    {
        int w = e.Width, h = e.Height;
        var until = new long[w * h];
        Array.Fill(until, long.MinValue);
        return e.Where(i =>
        {
            int x = e.X[i], y = e.Y[i];
            var t = e.T[i];
            until[y * w + x] = t + filterUs;
            return (x > 0 && until[y * w + x - 1] > t) || (x < w - 1 && until[y * w + x + 1] > t)
                || (y > 0 && until[(y - 1) * w + x] > t) || (y < h - 1 && until[(y + 1) * w + x] > t);
        });
    }
}
