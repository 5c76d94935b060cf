namespace Snn.Training;

/// <summary>
/// Metrics of one finished epoch. Accuracies are fractions in [0, 1]; losses are the plan's loss
/// (cross-entropy by default) of the network readout. Per block (in order; the last block's entry is
/// the readout): local loss and accuracy during training. Firing rates: mean spikes per neuron and step
/// of each spiking stage (all stages but the readout) during training. PeakStepBytes: extra resident
/// memory of one representative training step (see <see cref="Snn.Measurement.MemoryMeter"/>); null where not measured.
/// </summary>
public sealed record EpochMetrics(
    int Epoch, double TrainLoss, double TrainAccuracy, double? TestLoss, double? TestAccuracy,
    double Seconds, long SamplesSeen, double LearningRate,
    IReadOnlyList<double>? BlockLosses = null, IReadOnlyList<double>? BlockAccuracies = null,
    IReadOnlyList<double>? FiringRates = null, long? PeakStepBytes = null);
