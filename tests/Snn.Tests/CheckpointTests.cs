using Snn.Networks;
using Snn.Training;
using TorchSharp;
using Snn.Plans;

namespace Snn.Tests;

public sealed class CheckpointTests
{
    private sealed class Interrupted : Exception;

    private static SpikingNetwork Net(int seed)
    {
        torch.manual_seed(seed);
        return NetworkSpec.Build("4C3-P2-6C3-FC2", [1, 8, 8]);
    }

    private static float[] Weights(SpikingNetwork net) => net.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void An_interrupted_run_resumes_to_the_same_final_weights()
    {
        using var train = TrainerTests.Bars(128, seed: 2);
        using var test = TrainerTests.Bars(32, seed: 3);
        var dir = Directory.CreateTempSubdirectory("snn-ckpt-");
        try
        {
            // TT-Local: local heads and one optimizer per block must all be restored.
            var plan = TrainingPlan.TruncatedLocal(4, 2, 1);
            var options = new TrainerOptions { Epochs = 3, BatchSize = 32, LearningRate = 5e-3, Seed = 9, MeasureMemory = false };

            var whole = Net(1);
            var wholeHistory = new Trainer(whole, plan, options).Fit(train.Encoded(), test.Encoded());

            var path = Path.Combine(dir.FullName, "run.ckpt");
            var first = Net(1);
            Assert.Throws<Interrupted>(() => new Trainer(first, plan, options with { CheckpointPath = path })
                .Fit(train.Encoded(), test.Encoded(), p => { if (p.Kind == ProgressKind.Epoch && p.Epoch == 2) throw new Interrupted(); }));
            Assert.True(File.Exists(path));

            // Without Resume an existing checkpoint is never overwritten.
            var refused = Assert.Throws<IOException>(() => new Trainer(Net(5), plan, options with { CheckpointPath = path }).Fit(train.Encoded(), test.Encoded()));
            Assert.Contains("Resume", refused.Message);

            var resumed = Net(77);   // different initial weights: everything must come from the checkpoint
            var epochs = new List<int>();
            var history = new Trainer(resumed, plan, options with { CheckpointPath = path, Resume = true })
                .Fit(train.Encoded(), test.Encoded(), p => { if (p.Kind == ProgressKind.Epoch) epochs.Add(p.Epoch); });

            Assert.Equal([3], epochs);
            Assert.Equal(Weights(whole), Weights(resumed));
            Assert.Equal(3, history.Epochs.Count);
            Assert.Equal(wholeHistory.Last!.TestAccuracy, history.Last!.TestAccuracy);
            Assert.Equal(wholeHistory.Batches.Count, history.Batches.Count);

            // A different plan cannot silently continue this run.
            var mismatch = Assert.Throws<InvalidDataException>(() =>
                new Trainer(Net(1), TrainingPlan.Bptt(4), options with { CheckpointPath = path, Resume = true }).Fit(train.Encoded(), test.Encoded()));
            Assert.Contains("BPTT", mismatch.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Epoch_metrics_report_blocks_rates_and_memory()
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(96, seed: 2);
        var net = NetworkSpec.Build("4C3-P2-6C3-FC2", [1, 8, 8]);
        var history = new Trainer(net, TrainingPlan.TruncatedLocal(4, 2, 1), new TrainerOptions { BatchSize = 32, LearningRate = 5e-3 }).Fit(train.Encoded());
        var m = history.Last!;
        Assert.Equal(3, m.BlockLosses!.Count);
        Assert.Equal(3, m.BlockAccuracies!.Count);
        Assert.Equal(m.TrainLoss, m.BlockLosses[^1], 12);
        Assert.Equal(m.TrainAccuracy, m.BlockAccuracies[^1], 12);
        Assert.All(m.BlockLosses, l => Assert.True(l > 0 && double.IsFinite(l)));
        Assert.Equal(2, m.FiringRates!.Count);
        Assert.All(m.FiringRates, r => Assert.InRange(r, 0.005, 0.5));   // spikes per neuron and step: 0.13 and 0.024 here; neither silent nor saturated, nor a sum over T
        if (Snn.Measurement.MemoryMeter.IsSupported) Assert.True(m.PeakStepBytes > 0);
        Assert.All(history.Batches, b => Assert.Equal(3, b.BlockLosses!.Count));
    }
}
