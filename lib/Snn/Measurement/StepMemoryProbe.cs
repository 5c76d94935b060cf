using TorchSharp;

namespace Snn.Measurement;

/// <summary>
/// The one protocol for the peak memory of a training step: skip <c>warmup</c> steps (the first allocates the
/// optimizer state), then measure the next <c>repeats</c> steps with <see cref="MemoryMeter"/> and keep the median
/// (a step's allocations repeat exactly; another thread of the process allocating or freeing during one step
/// moves that one reading either way: under load, a minimum once read half the quiet value). Feed it every step of
/// a run (<see cref="Run"/>): the trainer measures its own batches 2–4 this way; <see cref="Measure"/> runs extra steps for a comparison or a benchmark.
/// </summary>
public sealed class StepMemoryProbe
{
    private readonly torch.Device device;
    private readonly HashSet<int> measured;
    private int steps;
    private readonly List<long> allocator = [], resident = [];

    /// <param name="device">Where the steps run; a device that cannot be measured runs them unmeasured.</param>
    /// <param name="warmup">Steps before the first measured one.</param>
    /// <param name="repeats">Measured steps.</param>
    /// <param name="totalSteps">Steps the caller will run, when known: a shorter run measures its last steps instead.</param>
    public StepMemoryProbe(torch.Device device, int warmup = 1, int repeats = 3, int? totalSteps = null)
    {
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "Warm-up steps must be ≥ 0.");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "Measured steps must be ≥ 1.");
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        measured = Enumerable.Range(warmup + 1, repeats).Select(i => totalSteps is { } n ? Math.Min(i, n) : i).ToHashSet();
    }

    /// <summary>
    /// Median measured peak by every method available (the lower median of an even count); nulls before a measured
    /// step or where unsupported.
    /// </summary>
    public MemoryReading Reading => new(Median(allocator), Median(resident));

    /// <summary>The median measured peak by the best method, or null.</summary>
    public long? PeakBytes => Reading.Best;

    /// <summary>Runs one step, measuring it when it is one of the measured ones.</summary>
    public T Run<T>(Func<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        steps++;
        if (!measured.Contains(steps) || MemoryMeter.UnavailableReason(device) is not null) return step();
        T result = default!;
        var reading = MemoryMeter.MeasureBoth(() => result = step());
        if (reading.AllocatorPeakBytes is { } a) allocator.Add(a);
        if (reading.ResidentPeakBytes is { } r) resident.Add(r);
        return result;
    }

    /// <summary>Runs <paramref name="warmup"/> + <paramref name="repeats"/> steps and returns the median measured peak per method.</summary>
    public static MemoryReading Measure(Action step, int warmup = 2, int repeats = 3, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        var probe = new StepMemoryProbe(device ?? torch.CPU, warmup, repeats);
        for (var i = 0; i < warmup + repeats; i++) probe.Run(() => { step(); return 0; });
        return probe.Reading;
    }

    private static long? Median(List<long> readings) => readings.Count == 0 ? null : readings.Order().ElementAt((readings.Count - 1) / 2);
}
