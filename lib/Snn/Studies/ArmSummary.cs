using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// One arm of a pre-registered study in one setting, over its finished runs at the plan's seeds: the primary metric
/// and the secondary ones (mean ± sample std over seeds), the optimizer steps of its runs (every number carries its
/// step count) and the run folders (runs.csv's "path", relative to the results root) for the learning curves.
/// </summary>
public sealed record ArmSummary(
    string Setting, string Arm, IReadOnlyList<int> Seeds, MeanStd TestAccuracy, MeanStd? CleanTrainAccuracy, MeanStd? CleanTrainTestGap,
    MeanStd? PeakStepBytes, IReadOnlyList<long> OptimizerSteps, IReadOnlyList<string> RunPaths)
{
    /// <summary>"360" or "1800/3600" when the arm's runs differ.</summary>
    public string StepsText => OptimizerSteps.Count == 0 ? "?" : string.Join("/", OptimizerSteps);
}
