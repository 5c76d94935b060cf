namespace Snn.Experiments;

/// <summary>
/// What a finished run reports (summary.json): final and best test accuracy, the train–test gap (final train minus
/// final test accuracy), time summed over epochs, optimizer steps per block, the largest measured peak step memory
/// and the analytic costs of one step.
/// </summary>
public sealed record RunSummary(
    string Experiment, string RunId, int Epochs,
    double FinalTrainLoss, double FinalTrainAccuracy, double? FinalTestLoss, double? FinalTestAccuracy,
    double? BestTestAccuracy, int? BestEpoch, double? TrainTestGap,
    double TotalSeconds, long OptimizerSteps, long? PeakStepBytes, RunCosts Costs);
