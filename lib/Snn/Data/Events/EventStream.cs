namespace Snn.Data.Events;

/// <summary>
/// A recording from an event camera (DVS): events (x, y, t, polarity) on a Width×Height sensor,
/// in time order. t in microseconds; polarity true = ON (brightness increased), false = OFF.
/// Immutable after construction; the constructor checks coordinates and time order.
/// </summary>
public sealed class EventStream
{
    public EventStream(int width, int height, ushort[] x, ushort[] y, long[] t, bool[] polarity, bool requireSorted = true)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Sensor size must be ≥ 1×1; got {width}×{height}.");
        var n = x.Length;
        if (y.Length != n || t.Length != n || polarity.Length != n)
            throw new ArgumentException($"Event arrays differ in length: x {x.Length}, y {y.Length}, t {t.Length}, polarity {polarity.Length}.");
        for (var i = 0; i < n; i++)
        {
            if (x[i] >= width || y[i] >= height)
                throw new ArgumentOutOfRangeException(nameof(x), $"Event {i} at ({x[i]}, {y[i]}) lies outside the {width}×{height} sensor.");
            if (requireSorted && i > 0 && t[i] < t[i - 1])
                throw new ArgumentException($"Event {i} has t = {t[i]} µs, before event {i - 1} at {t[i - 1]} µs: events must be in time order.", nameof(t));
        }
        Width = width; Height = height; X = x; Y = y; T = t; Polarity = polarity;
    }

    public int Width { get; }
    public int Height { get; }
    public ushort[] X { get; }
    public ushort[] Y { get; }
    /// <summary>Timestamps in microseconds.</summary>
    public long[] T { get; }
    public bool[] Polarity { get; }
    public int Count => X.Length;
    /// <summary>t of the last event minus t of the first (0 when empty).</summary>
    public long Duration => Count == 0 ? 0 : T[^1] - T[0];
    public int OnCount => Polarity.Count(p => p);

    public static EventStream Empty(int width, int height) => new(width, height, [], [], [], []);

    /// <summary>Events [start, start+count) as a new stream on the same sensor.</summary>
    public EventStream Slice(int start, int count) =>
        new(Width, Height, X.AsSpan(start, count).ToArray(), Y.AsSpan(start, count).ToArray(),
            T.AsSpan(start, count).ToArray(), Polarity.AsSpan(start, count).ToArray(), requireSorted: false);

    /// <summary>The events whose index satisfies <paramref name="keep"/>, on a sensor of the given size.</summary>
    public EventStream Where(Func<int, bool> keep, int? width = null, int? height = null)
    {
        var idx = Enumerable.Range(0, Count).Where(keep).ToArray();
        return new(width ?? Width, height ?? Height, idx.Select(i => X[i]).ToArray(), idx.Select(i => Y[i]).ToArray(),
            idx.Select(i => T[i]).ToArray(), idx.Select(i => Polarity[i]).ToArray(), requireSorted: false);
    }

    /// <summary>Events with start ≤ t &lt; end (assumes time order), with timestamps kept as recorded.</summary>
    public EventStream TimeRange(long start, long end)
    {
        var lo = LowerBound(T, start);
        var hi = LowerBound(T, end);
        return Slice(lo, Math.Max(0, hi - lo));
    }

    /// <summary>First index whose timestamp is ≥ value (numpy searchsorted, side='left').</summary>
    public static int LowerBound(long[] t, long value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (t[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public override string ToString() =>
        $"{Count} events on {Width}×{Height} over {Duration / 1000.0:0.#} ms ({OnCount} ON, {Count - OnCount} OFF)";
}
