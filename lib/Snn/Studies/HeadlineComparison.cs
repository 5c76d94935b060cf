using Snn.Costs;
using Snn.Plans;
using Snn.Training;

namespace Snn.Studies;

/// <summary>
/// The paper's headline (a spiking AlexNet on CIFAR10-DVS, TT-Local against BPTT: +7.26 % accuracy, −89.94 % GPU
/// memory, −10.79 % memory access, −99.64 % MACs; Guo et al. 2023, abstract) next to the same four changes of two
/// runs of the kit: test accuracy, measured peak step memory (the trainer's <see cref="Snn.Measurement.StepMemoryProbe"/>),
/// and the cost model's memory (peak step + persistent), memory access and MACs of one training step.
/// Changes are relative, (plan − baseline) / baseline, in percent; accuracy also in points.
/// </summary>
public sealed record HeadlineComparison(
    TrainingPlan Baseline, TrainingPlan Plan, double BaselineAccuracy, double PlanAccuracy,
    double? MeasuredPeakStepChange, double ModelMemoryChange, double AccessChange, double MacsChange)
{
    public const double PaperAccuracy = 7.26;
    public const double PaperMemory = -89.94;
    public const double PaperAccess = -10.79;
    public const double PaperMacs = -99.64;

    /// <summary>Test accuracy of the plan minus the baseline's, in percentage points.</summary>
    public double AccuracyPoints => 100 * (PlanAccuracy - BaselineAccuracy);

    /// <summary>Test accuracy change relative to the baseline's, in percent (the abstract does not say which of the two its +7.26 % is).</summary>
    public double AccuracyChange => 100 * CostModel.Change(PlanAccuracy, BaselineAccuracy);

    /// <summary>
    /// Compares two finished runs; the costs must be <see cref="CostModel.Estimate"/> of the runs' plans at the batch they
    /// trained with. The measured change is null unless both runs measured their peak step.
    /// </summary>
    public static HeadlineComparison Of(PlanRun baseline, PlanRun plan, CostReport baselineCosts, CostReport planCosts)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(plan);
        if (baselineCosts.Plan != baseline.Plan)
            throw new ArgumentException($"The baseline's costs are for {baselineCosts.Plan}, not its plan {baseline.Plan}.", nameof(baselineCosts));
        if (planCosts.Plan != plan.Plan)
            throw new ArgumentException($"The plan's costs are for {planCosts.Plan}, not its plan {plan.Plan}.", nameof(planCosts));
        double? measured = baseline.PeakStepMiB is { } b && plan.PeakStepMiB is { } p ? 100 * CostModel.Change(p, b) : null;
        static double Memory(CostReport r) => r.PeakStepBytes + r.PersistentBytes;
        return new HeadlineComparison(baseline.Plan, plan.Plan, baseline.Accuracy, plan.Accuracy, measured,
            100 * CostModel.Change(Memory(planCosts), Memory(baselineCosts)),
            100 * CostModel.Change(planCosts.AccessBytes, baselineCosts.AccessBytes),
            100 * CostModel.Change(planCosts.Macs, baselineCosts.Macs));
    }

    /// <summary>One row per claim: the paper's figure, ours (NaN where not measured) and how ours was obtained.</summary>
    public IReadOnlyList<(string Metric, double Paper, double Ours, string How)> Rows =>
    [
        ("accuracy", PaperAccuracy, AccuracyPoints, "test accuracy, percentage points"),
        ("memory (measured)", PaperMemory, MeasuredPeakStepChange ?? double.NaN, "peak step memory, measured"),
        ("memory (model)", PaperMemory, ModelMemoryChange, "cost model: peak step + weights, gradients, Adam state"),
        ("memory access", PaperAccess, AccessChange, "cost model: bytes read and written per step"),
        ("MACs", PaperMacs, MacsChange, "cost model: multiply-accumulates per step"),
    ];

    public override string ToString() =>
        $"{Plan} vs {Baseline}: "
        + string.Join(", ", Rows.Select(r => FormattableString.Invariant($"{r.Metric} {r.Ours:+0.00;-0.00} % (paper {r.Paper:+0.00;-0.00} %)")));
}
