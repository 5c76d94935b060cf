using Snn.Plans;
namespace Snn.Training;

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
