using Snn.Experiments;

namespace Snn.Reports;

/// <summary>
/// One configuration of a report: the runs whose config differs only in the seed. Statistics are over the finished
/// runs (one value per seed, <see cref="MeanStd"/>); <see cref="MissingRuns"/> are expected runs with no folder;
/// accuracies and the gap are fractions, sizes in bytes.
/// <see cref="Label"/> names the row by the keys that vary between rows (e.g. "K=2 B=1").
/// </summary>
public sealed record ReportRow(
    string Experiment, string GroupKey, string Label, IReadOnlyDictionary<string, string> Config,
    IReadOnlyList<RunRecord> Runs, IReadOnlyList<ExpectedRun> MissingRuns,
    MeanStd? FinalTestAccuracy, MeanStd? BestTestAccuracy, MeanStd? TrainTestGap, MeanStd? FinalTrainLoss,
    MeanStd? PeakStepBytes, MeanStd? TotalSeconds, MeanStd? Macs, MeanStd? AccessBytes, MeanStd? ModelledPeakStepBytes,
    IReadOnlyList<(int Epoch, MeanStd TestAccuracy)> TestAccuracyCurve)
{
    /// <summary>The finished runs (the seeds the statistics are over).</summary>
    public IEnumerable<RunRecord> FinishedRuns => Runs.Where(r => r.Status == RunStatus.Finished);

    public int Finished => Runs.Count(r => r.Status == RunStatus.Finished);
    public int Failed => Runs.Count(r => r.Status == RunStatus.Failed);
    public int Incomplete => Runs.Count(r => r.Status == RunStatus.Incomplete);

    /// <summary>Expected runs of this configuration with no folder.</summary>
    public int Missing => MissingRuns.Count;

    /// <summary>The seeds of the finished runs, ascending.</summary>
    public IReadOnlyList<int> Seeds => FinishedRuns.Where(r => r.Seed is not null).Select(r => r.Seed!.Value).Order().ToList();
}
