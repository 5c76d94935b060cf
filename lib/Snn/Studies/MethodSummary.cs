using Snn.Plans;
using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// One method (a sweep's arm) on one dataset over its seeds: accuracies (mean ± sample std), the optimizer steps of its
/// runs (every number carries its step count), the measured peak step memory and the cost model's MACs, ACs, memory
/// access and modelled peak of one training step (the same for every seed). Made by <see cref="MethodComparison.Of"/>.
/// </summary>
public sealed record MethodSummary(
    string Dataset, bool EventData, string Arm, TrainingPlan Plan, PlanReference Reference, IReadOnlyList<int> Seeds,
    MeanStd TestAccuracy, MeanStd TrainAccuracy, IReadOnlyList<long> OptimizerSteps, MeanStd? PeakStepBytes,
    double Macs, double Acs, double AccessBytes, double ModelledPeakStepBytes)
{
    /// <summary>Optimizer steps of one block per batch (<see cref="TrainingPlan.UpdatesPerBatch"/>).</summary>
    public int UpdatesPerBatch => Plan.UpdatesPerBatch;

    /// <summary>"80" or "80/800" when the runs differ.</summary>
    public string StepsText => string.Join("/", OptimizerSteps);
}
