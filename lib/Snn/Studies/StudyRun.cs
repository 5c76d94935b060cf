using Snn.Experiments;

namespace Snn.Studies;

/// <summary>
/// One finished run as the findings see it: its plan (K, B), seed and accuracies, and <see cref="Setting"/> — every
/// other setting (dataset, network, T, budget, optimizer …); only runs of the same setting are compared. The costs
/// are optional: the measured peak step memory (bytes, exact counter when the run had it) and the cost model's MACs,
/// memory access (bytes) and modelled peak step memory (bytes) of one training step. <see cref="TotalSeconds"/> is the
/// run's measured training time (runs.csv's total_seconds; null when not recorded).
/// </summary>
public sealed record StudyRun(
    string Setting, string Dataset, bool EventData, int TimeSteps, int Truncation, int? BlockSize, int Seed,
    double TestAccuracy, double TrainAccuracy,
    long? PeakStepBytes = null, double? Macs = null, double? AccessBytes = null, double? ModelledPeakStepBytes = null,
    double? TotalSeconds = null)
{
    /// <summary>K = T and one block.</summary>
    public bool IsBptt => Truncation == TimeSteps && BlockSize is null;

    public double TrainTestGap => TrainAccuracy - TestAccuracy;

    /// <summary>"K=10 B=all": the plan as the study's grid names it.</summary>
    public string PlanLabel => StudyCell.PlanLabel(Truncation, BlockSize);

    /// <summary>From a run's config and summary; B ≥ the network's stages counts as one block.</summary>
    public static StudyRun From(ExperimentConfig config, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(summary);
        var block = config.BlockBoundaries is { Count: > 0 }
            ? throw new ArgumentException($"{config.RunId}: explicit block boundaries are not a block size; the findings compare B only.", nameof(config))
            : config.BlockSize is { } b && b < config.Stages ? b : (int?)null;
        return new StudyRun(SettingKey(config), config.Dataset, config.IsEventData, config.TimeSteps, config.Truncation, block, config.Seed,
            summary.FinalTestAccuracy ?? throw new ArgumentException($"{config.RunId}: the run has no test accuracy.", nameof(summary)),
            summary.FinalTrainAccuracy, summary.PeakStepBytes, summary.Costs?.Macs, summary.Costs?.AccessBytes, summary.Costs?.ModelledPeakStepBytes,
            double.IsNaN(summary.TotalSeconds) ? null : summary.TotalSeconds);
    }

    private static string SettingKey(ExperimentConfig c) =>
        string.Join("|", c.Dataset, c.Encoding, c.TrainSubset, c.TestSubset, c.TimeBins, c.Network, c.TimeSteps, c.Update, c.Head, c.Loss,
            c.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), c.Cosine, c.Epochs, c.Batch)
        + (c.LossWindow is { } l ? $"|lossWindow={l}" : "")   // only when set: the settings of other runs stay as they were
        + (c.Optimizer == new Optimization.OptimizerSettings() ? "" : $"|optimizer={c.Optimizer}")
        + (c.Method is { } m ? $"|method={m}" : "") + (c.SampledSteps is { } k ? $"|sampledSteps={k}" : "")
        + (c.PresynapticTrace ? "|presynapticTrace" : "");
}
