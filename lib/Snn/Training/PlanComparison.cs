using Snn.Data;
using Snn.Networks;
using TorchSharp;

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

/// <summary>Trains the same network (rebuilt from the same seed) under several plans, side by side.</summary>
public static class PlanComparison
{
    /// <summary>
    /// For each plan: seed TorchSharp with <paramref name="seed"/>, build a fresh network, train it and
    /// evaluate on <paramref name="test"/>. <paramref name="log"/> gets epoch reports (and batch
    /// reports when <paramref name="logBatches"/>).
    /// </summary>
    public static List<PlanRun> Run(IEnumerable<TrainingPlan> plans, Func<SpikingNetwork> network, TrainerOptions options,
        ImageDataset train, ImageDataset? test = null, int seed = 0, Action<string>? log = null, bool logBatches = false)
    {
        var runs = new List<PlanRun>();
        foreach (var plan in plans)
        {
            torch.manual_seed(seed);
            var trainer = new Trainer(network(), plan, options);
            var history = trainer.Fit(train, test, p =>
            {
                if (log is not null && (logBatches || p.Kind == ProgressKind.Epoch)) log($"{plan}: {p}");
            });
            runs.Add(new PlanRun(plan, history, trainer));
        }
        return runs;
    }
}
