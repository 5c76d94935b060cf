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

    public int Epoch => epoch;
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

    /// <summary>Writes the partial sums bit for bit (a mid-epoch checkpoint), so the resumed epoch adds up in the same order.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(epoch);
        writer.Write(Samples);
        writer.Write(SamplesSeen);
        writer.Write(lossSum);
        writer.Write(correct);
        foreach (var values in (double[][])[blockLoss, blockCorrect, spikes, elements])
        {
            writer.Write(values.Length);
            foreach (var v in values) writer.Write(v);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote for this network and plan.</summary>
    public static EpochAccumulator Load(BinaryReader reader, SpikingNetwork network, int blockCount)
    {
        var sums = new EpochAccumulator(network, blockCount, reader.ReadInt32(), 0) { Samples = reader.ReadInt32(), SamplesSeen = reader.ReadInt64() };
        sums.lossSum = reader.ReadDouble();
        sums.correct = reader.ReadDouble();
        foreach (var values in (double[][])[sums.blockLoss, sums.blockCorrect, sums.spikes, sums.elements])
        {
            var count = reader.ReadInt32();
            if (count != values.Length)
                throw new InvalidDataException($"The checkpoint's partial epoch has {count} sums where this network and plan have {values.Length}.");
            for (var i = 0; i < count; i++) values[i] = reader.ReadDouble();
        }
        return sums;
    }
}
