using MathNet.Numerics;

namespace Snn.Training;

/// <summary>
/// A method's measured peak step memory at several T (<see cref="MemoryVsTimeSteps.Measure"/>), with its least-squares line
/// MiB ≈ <see cref="InterceptMiB"/> + <see cref="SlopeMiBPerStep"/> · T: BPTT keeps every step's activations, so its memory
/// grows with T; an online method keeps one step's, so its line is flat.
/// </summary>
/// <param name="Label">The method's name, e.g. "BPTT".</param>
/// <param name="Points">At least two points at distinct T ≥ 1, with finite MiB ≥ 0.</param>
public sealed record MemoryScaling(string Label, IReadOnlyList<MemoryScalingPoint> Points)
{
    private readonly IReadOnlyList<MemoryScalingPoint> points = Checked(Points);

    public IReadOnlyList<MemoryScalingPoint> Points
    {
        get => points;
        init => points = Checked(value);
    }

    /// <summary>The least-squares slope, MiB per time step (MathNet's Fit.Line).</summary>
    public double SlopeMiBPerStep => Line.Slope;

    /// <summary>The least-squares line's value at T = 0, MiB.</summary>
    public double InterceptMiB => Line.Intercept;

    /// <summary>
    /// slope × (T_max − T_min) / memory at T_min: how much the memory grows over the measured range, relative to where it
    /// starts (0 = flat, 1 = doubles); NaN when the memory at T_min is 0.
    /// </summary>
    public double RelativeGrowth
    {
        get
        {
            var (first, last) = (points.MinBy(p => p.TimeSteps)!, points.MaxBy(p => p.TimeSteps)!);
            return first.MiB > 0 ? SlopeMiBPerStep * (last.TimeSteps - first.TimeSteps) / first.MiB : double.NaN;
        }
    }

    private (double Intercept, double Slope) Line
    {
        get
        {
            var (intercept, slope) = Fit.Line([.. points.Select(p => (double)p.TimeSteps)], [.. points.Select(p => p.MiB)]);
            return (intercept, slope);
        }
    }

    public override string ToString() =>
        $"{Label}: {string.Join(", ", points.Select(p => $"T={p.TimeSteps} {p.MiB:F1} MiB"))}; slope {SlopeMiBPerStep:F3} MiB/step, "
        + $"relative growth {RelativeGrowth:F2}";

    private static IReadOnlyList<MemoryScalingPoint> Checked(IReadOnlyList<MemoryScalingPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points, nameof(Points));
        if (points.Any(p => p is null)) throw new ArgumentException("A memory scaling has no null points.", nameof(Points));
        if (points.FirstOrDefault(p => p.TimeSteps < 1 || !double.IsFinite(p.MiB) || p.MiB < 0) is { } bad)
            throw new ArgumentException($"Each point needs T ≥ 1 and a finite memory ≥ 0 MiB; got T = {bad.TimeSteps}, {bad.MiB} MiB.", nameof(Points));
        if (points.Select(p => p.TimeSteps).Distinct().Count() != points.Count)
            throw new ArgumentException($"Each T appears once; got T = {string.Join(", ", points.Select(p => p.TimeSteps))}.", nameof(Points));
        if (points.Count < 2) throw new ArgumentException($"A line needs at least two T; got {points.Count}.", nameof(Points));
        return [.. points];
    }
}
