namespace Snn.Training;

/// <summary>A progress report: per batch (throttled), after every mid-epoch checkpoint and at the end of every epoch.</summary>
public sealed record TrainingProgress(
    ProgressKind Kind, int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy,
    TimeSpan Elapsed, EpochMetrics? Metrics)
{
    public override string ToString() => Kind == ProgressKind.Epoch && Metrics is { } m
        ? $"epoch {Epoch}/{Epochs} done in {m.Seconds:F0} s: train loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P1}" +
          (m.TestAccuracy is { } a ? $", test loss {m.TestLoss:F4}, test acc {a:P2}" : "")
        : $"epoch {Epoch}/{Epochs} batch {Batch}/{Batches}: loss {Loss:F4}, acc {Accuracy:P1}, {Elapsed.TotalSeconds:F0} s";
}
