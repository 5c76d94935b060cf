namespace Snn.Training;

/// <summary>
/// Where a mid-epoch checkpoint left its epoch: the batches done, their sums, the learning rate the epoch reports
/// (the one at its start), the seconds spent on it so far and the step memory measured so far.
/// </summary>
internal sealed record PartialEpoch(int Batches, EpochAccumulator Sums, double LearningRate, double Seconds, long? PeakStepBytes);
