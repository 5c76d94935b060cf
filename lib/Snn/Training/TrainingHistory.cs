using Snn.Plans;
namespace Snn.Training;

/// <summary>Everything a run produced, in order: what the charts and result files read.</summary>
public sealed class TrainingHistory(string network, TrainingPlan plan)
{
    public string Network { get; } = network;
    public TrainingPlan Plan { get; } = plan;
    public List<EpochMetrics> Epochs { get; } = [];
    public List<BatchMetrics> Batches { get; } = [];
    /// <summary>The training set evaluated with the final weights (<see cref="TrainerOptions.EvaluateTrain"/>); null when not asked for.</summary>
    public Evaluation? CleanTrain { get; set; }
    public EpochMetrics? Last => Epochs.Count > 0 ? Epochs[^1] : null;
    public double TotalSeconds => Epochs.Sum(e => e.Seconds);
}
