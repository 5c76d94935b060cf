using Snn.Data;
using Snn.Networks;
using Snn.Plans;

namespace Snn.Training;

/// <summary>
/// Peak step memory against the number of time steps T (docs/workloads.md, "Memory vs T"): a method's plan at each T,
/// measured as <see cref="PlanComparison.StepMemory"/> measures (a fresh network per T from the same seed, the first batch
/// at that T, warm-up steps, the median of three measured ones), and the least-squares line through the points.
/// </summary>
public static class MemoryVsTimeSteps
{
    /// <summary>
    /// Measures <paramref name="planAt"/>(T) for every T of <paramref name="timeSteps"/> (at least two distinct values ≥ 1)
    /// and fits the line. Throws <see cref="ArgumentException"/> naming the parameter for a bad T list or a plan of
    /// another T, and <see cref="InvalidOperationException"/> where this process cannot measure step memory.
    /// </summary>
    public static MemoryScaling Measure(string label, Func<int, TrainingPlan> planAt, Func<SpikingNetwork> network, TrainerOptions options,
        IBatchSource data, IReadOnlyList<int> timeSteps, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(planAt);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(timeSteps);
        if (timeSteps.Count == 0) throw new ArgumentException("The list of time steps is empty; give at least two T, e.g. 5, 10, 20, 40.", nameof(timeSteps));
        if (timeSteps.Where(t => t < 1).Select(t => (int?)t).FirstOrDefault() is { } bad)
            throw new ArgumentException($"Time steps must be ≥ 1; got T = {bad}.", nameof(timeSteps));
        if (timeSteps.Distinct().Count() != timeSteps.Count)
            throw new ArgumentException($"Each T appears once; got [{string.Join(", ", timeSteps)}].", nameof(timeSteps));
        if (timeSteps.Count < 2) throw new ArgumentException($"A line needs at least two T; got [{string.Join(", ", timeSteps)}].", nameof(timeSteps));
        var plans = timeSteps.Select(t => planAt(t) is { } plan && plan.TimeSteps == t ? plan
            : throw new ArgumentException($"planAt({t}) must give a plan with T = {t}.", nameof(planAt))).ToList();
        var measured = PlanComparison.StepMemory(plans, network, options, data, seed);
        if (measured.FirstOrDefault(m => m.MiB is null) is { Plan: { } unmeasured })
            throw new InvalidOperationException($"Peak step memory cannot be measured in this process ({unmeasured}): it needs the exact allocation "
                + "counter (LD_PRELOAD=libsnn_memcount.so) or Linux's /proc resident high-water mark.");
        return new MemoryScaling(label, [.. measured.Select(m => new MemoryScalingPoint(m.Plan.TimeSteps, m.MiB!.Value))]);
    }
}
