using Snn.Networks;

namespace Snn.Training;

/// <summary>Sums the batch outcomes of one epoch into its <see cref="EpochMetrics"/> and the history's batch records.</summary>
internal sealed class EpochAccumulator(SpikingNetwork network, int blockCount, int epoch, long samplesSeenBefore)
{
    private double lossSum, correct;
    private readonly double[] blockLoss = new double[blockCount];
    private readonly double[] blockCorrect = new double[blockCount];
    private readonly double[] spikes = new double[network.Stages.Count];
    private readonly double[] elements = new double[network.Stages.Count];

    public int Samples { get; private set; }
    public long SamplesSeen { get; private set; } = samplesSeenBefore;
    public double Loss => lossSum / Samples;
    public double Accuracy => correct / Samples;

    /// <summary>Adds batch <paramref name="batch"/> and returns its record.</summary>
    public BatchMetrics Add(BatchOutcome outcome, int batch, int samples)
    {
        lossSum += outcome.Loss * samples;
        correct += outcome.Correct;
        for (var m = 0; m < blockLoss.Length; m++) { blockLoss[m] += outcome.BlockLosses[m] * samples; blockCorrect[m] += outcome.BlockCorrect[m]; }
        for (var s = 0; s < spikes.Length; s++) { spikes[s] += outcome.SpikeCounts[s]; elements[s] += outcome.SpikeElements[s]; }
        Samples += samples;
        SamplesSeen += samples;
        return new BatchMetrics(epoch, batch, SamplesSeen, outcome.Loss, (double)outcome.Correct / samples,
            blockLoss.Length > 1 ? outcome.BlockLosses : null);
    }

    public EpochMetrics Finish(Evaluation? test, double seconds, double learningRate, long? peakStepBytes)
    {
        var rates = Enumerable.Range(0, spikes.Length).Where(s => network.Stages[s].IsSpiking).Select(s => spikes[s] / Math.Max(1, elements[s])).ToArray();
        return new EpochMetrics(epoch, Loss, Accuracy, test?.Loss, test?.Accuracy, seconds, SamplesSeen, learningRate,
            blockLoss.Select(l => l / Samples).ToArray(), blockCorrect.Select(c => c / Samples).ToArray(), rates, peakStepBytes);
    }
}
