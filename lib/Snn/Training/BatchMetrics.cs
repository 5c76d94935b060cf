namespace Snn.Training;

/// <summary>Training loss and accuracy of one mini-batch (all its windows); per-block local losses when the plan has blocks.</summary>
public sealed record BatchMetrics(int Epoch, int Batch, long SamplesSeen, double Loss, double Accuracy,
    IReadOnlyList<double>? BlockLosses = null);
