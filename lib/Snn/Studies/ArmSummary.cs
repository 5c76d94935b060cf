using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// One arm of a pre-registered study in one setting, over its finished runs at the plan's seeds (<see cref="Runs"/>, in
/// seed order): the primary metric and the secondary ones (mean ± sample std over seeds) and the optimizer steps of its
/// runs (every number carries its step count).
/// </summary>
public sealed record ArmSummary(
    string Setting, string Arm, IReadOnlyList<ArmRun> Runs, MeanStd TestAccuracy, MeanStd? CleanTrainAccuracy, MeanStd? CleanTrainTestGap,
    MeanStd? PeakStepBytes)
{
    public IReadOnlyList<int> Seeds => [.. Runs.Select(r => r.Seed)];

    /// <summary>The distinct optimizer steps of the runs, ascending.</summary>
    public IReadOnlyList<long> OptimizerSteps => [.. Runs.Select(r => r.OptimizerSteps).Distinct().Order()];

    public IReadOnlyList<string> RunPaths => [.. Runs.Select(r => r.Path)];

    /// <summary>"360" or "1800/3600" when the arm's runs differ.</summary>
    public string StepsText => OptimizerSteps.Count == 0 ? "?" : string.Join("/", OptimizerSteps);
}
