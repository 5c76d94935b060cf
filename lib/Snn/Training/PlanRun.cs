using Snn.Plans;

namespace Snn.Training;

/// <summary>One finished run of a comparison: the plan, its history and the trainer (for evaluation or alignment).</summary>
public sealed record PlanRun(TrainingPlan Plan, TrainingHistory History, Trainer Trainer)
{
    public EpochMetrics Last => History.Last ?? throw new InvalidOperationException("The run has no finished epoch.");
    /// <summary>Final test accuracy (falls back to train accuracy when there was no test set).</summary>
    public double Accuracy => Last.TestAccuracy ?? Last.TrainAccuracy;
    /// <summary>Train accuracy minus test accuracy at the last epoch (overfitting).</summary>
    public double? Gap => Last.TestAccuracy is { } test ? Last.TrainAccuracy - test : null;
    /// <summary>Largest measured peak step memory over the epochs, in MiB.</summary>
    public double? PeakStepMiB => History.Epochs.Max(e => e.PeakStepBytes) is { } b ? b / (1024.0 * 1024.0) : null;
}
