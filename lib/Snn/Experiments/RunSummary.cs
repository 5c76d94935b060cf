using System.Text.Json.Serialization;

namespace Snn.Experiments;

/// <summary>
/// What a finished run reports (summary.json): final and best test accuracy, the train–test gap (final train minus
/// final test accuracy), time summed over epochs, optimizer steps per block, the largest measured peak step memory
/// and the analytic costs of one step. With "evalTrain" also the clean train loss and accuracy (the training set
/// evaluated with the final weights, as the test set is) and the clean gap (clean train minus final test accuracy);
/// absent from summary.json otherwise, so summaries of other runs are written as before.
/// </summary>
public sealed record RunSummary(
    string Experiment, string RunId, int Epochs,
    double FinalTrainLoss, double FinalTrainAccuracy, double? FinalTestLoss, double? FinalTestAccuracy,
    double? BestTestAccuracy, int? BestEpoch, double? TrainTestGap,
    double TotalSeconds, long OptimizerSteps, long? PeakStepBytes, RunCosts Costs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CleanTrainLoss = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CleanTrainAccuracy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CleanTrainTestGap = null);
