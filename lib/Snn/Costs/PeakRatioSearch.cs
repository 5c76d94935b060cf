using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// How a plan's modelled peak step memory compares with a baseline's (usually BPTT) as the batch grows: only fixed
/// buffers (the optimizer's chunk) do not scale with the batch, so the ratio falls towards its large-batch limit.
/// </summary>
public static class PeakRatioSearch
{
    /// <summary>Peak step of <paramref name="plan"/> / peak step of <paramref name="baseline"/> at each batch size, in order.</summary>
    public static IReadOnlyList<(int Batch, double Ratio)> ByBatch(IReadOnlyList<StageDescription> stages, TrainingPlan plan, TrainingPlan baseline,
        IEnumerable<int> batches, CostOptions? options = null) =>
        batches.Select(n => (n, CostModel.Estimate(stages, plan, n, options).PeakStepBytes / CostModel.Estimate(stages, baseline, n, options).PeakStepBytes))
            .ToList();

    /// <summary>The smallest batch in <paramref name="ratios"/> at which the ratio is at most <paramref name="target"/>, or null.</summary>
    public static int? FirstBatchAtOrBelow(IReadOnlyList<(int Batch, double Ratio)> ratios, double target) =>
        ratios.Where(r => r.Ratio <= target).Select(r => (int?)r.Batch).FirstOrDefault();
}
