namespace Snn.Training;

/// <summary>
/// Metrics of one finished epoch. Accuracies are fractions in [0, 1]; losses are the plan's loss
/// (cross-entropy by default) of the network readout. Per block (in order; the last block's entry is
/// the readout): local loss and accuracy during training. Firing rates: mean spikes per neuron and step
/// of each spiking stage (all stages but the readout) during training. PeakStepBytes: extra resident
/// memory of one representative training step (see <see cref="Costs.MemoryMeter"/>); null where not measured.
/// </summary>
public sealed record EpochMetrics(
    int Epoch, double TrainLoss, double TrainAccuracy, double? TestLoss, double? TestAccuracy,
    double Seconds, long SamplesSeen, double LearningRate,
    IReadOnlyList<double>? BlockLosses = null, IReadOnlyList<double>? BlockAccuracies = null,
    IReadOnlyList<double>? FiringRates = null, long? PeakStepBytes = null);

/// <summary>Training loss and accuracy of one mini-batch (all its windows); per-block local losses when the plan has blocks.</summary>
public sealed record BatchMetrics(int Epoch, int Batch, long SamplesSeen, double Loss, double Accuracy,
    IReadOnlyList<double>? BlockLosses = null);

/// <summary>Loss and accuracy of a full-T evaluation.</summary>
public sealed record Evaluation(double Loss, double Accuracy, int Samples, double Seconds)
{
    public override string ToString() => $"accuracy {Accuracy:P2}, loss {Loss:F4} on {Samples} samples ({Seconds:F1} s)";
}

/// <summary>Everything a run produced, in order: what the charts and result files read.</summary>
public sealed class TrainingHistory(string network, TrainingPlan plan)
{
    public string Network { get; } = network;
    public TrainingPlan Plan { get; } = plan;
    public List<EpochMetrics> Epochs { get; } = [];
    public List<BatchMetrics> Batches { get; } = [];
    public EpochMetrics? Last => Epochs.Count > 0 ? Epochs[^1] : null;
    public double TotalSeconds => Epochs.Sum(e => e.Seconds);
}

public enum ProgressKind { Batch, Epoch }

/// <summary>A progress report: per batch (throttled) and at the end of every epoch.</summary>
public sealed record TrainingProgress(
    ProgressKind Kind, int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy,
    TimeSpan Elapsed, EpochMetrics? Metrics)
{
    public override string ToString() => Kind == ProgressKind.Epoch && Metrics is { } m
        ? $"epoch {Epoch}/{Epochs} done in {m.Seconds:F0} s: train loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P1}" +
          (m.TestAccuracy is { } a ? $", test loss {m.TestLoss:F4}, test acc {a:P2}" : "")
        : $"epoch {Epoch}/{Epochs} batch {Batch}/{Batches}: loss {Loss:F4}, acc {Accuracy:P1}, {Elapsed.TotalSeconds:F0} s";
}

/// <summary>Raised when the loss becomes NaN or infinite: training stops instead of writing garbage.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
