namespace Snn.Reports;

/// <summary>One row of a run's epochs.csv as the report uses it: the epoch (from 1), its training loss and test accuracy (null without a test set).</summary>
public sealed record EpochPoint(int Epoch, double TrainLoss, double? TestAccuracy);
