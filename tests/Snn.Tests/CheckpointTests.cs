using System.Text.Json;
using Snn.Data;
using Snn.Encoders;
using Snn.Experiments;
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
    public void A_checkpoint_write_that_fails_halfway_leaves_the_previous_checkpoint_to_resume_from()
    {
        using var train = TrainerTests.Bars(128, seed: 2);
        using var test = TrainerTests.Bars(32, seed: 3);
        var dir = Directory.CreateTempSubdirectory("snn-ckpt-");
        try
        {
            var plan = TrainingPlan.TruncatedLocal(4, 2, 1);
            var options = new TrainerOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3, Seed = 9, MeasureMemory = false };
            var whole = Net(1);
            new Trainer(whole, plan, options).Fit(train.Encoded(), test.Encoded());

            // A checkpoint after every batch; the third write (after batch 3) fails once the weights are in the file.
            var path = Path.Combine(dir.FullName, "run.ckpt");
            var checkpointed = options with { CheckpointPath = path, CheckpointEveryBatches = 1 };
            var writes = 0;
            long halfway = 0;
            TrainingCheckpoint.HalfwayThroughWrite = temporary =>
            {
                if (++writes < 3) return;
                halfway = new FileInfo(temporary).Length;
                throw new Interrupted();
            };
            try
            {
                Assert.Throws<Interrupted>(() => new Trainer(Net(1), plan, checkpointed).Fit(train.Encoded(), test.Encoded()));
            }
            finally
            {
                TrainingCheckpoint.HalfwayThroughWrite = null;
            }
            Assert.InRange(halfway, 1, new FileInfo(path).Length - 1);   // the weights, not yet the optimizer states
            Assert.Equal((0, 2), TrainingCheckpoint.Position(path));

            var resumed = Net(77);
            new Trainer(resumed, plan, checkpointed with { Resume = true }).Fit(train.Encoded(), test.Encoded());
            Assert.Equal(Weights(whole), Weights(resumed));
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static TrainingPlan PlanNamed(string name) => name switch
    {
        "tt-local" => TrainingPlan.TruncatedLocal(4, 2, 1),
        "tbptt-accumulate" => TrainingPlan.Truncated(4, 1) with { Update = UpdatePolicy.Accumulate },
        "sltt-k" => TrainingPlan.SlttK(4, 2),
        "decolle" => TrainingPlan.Decolle(4),
        _ => TrainingPlan.Bptt(4),
    };

    /// <summary>The train source of a case: direct encoding, or Poisson draws restarted per epoch as the runner encodes them.</summary>
    private static IBatchSource Source(ImageDataset images, string encoding) =>
        encoding == "poisson" ? new EpochSeededEncoding(images, s => new PoissonEncoder(s), runSeed: 9) : images.Encoded();

    /// <summary>
    /// A run stopped after batch j of epoch e (an exception from the progress report, as a kill would stop it) and
    /// resumed from its last mid-epoch checkpoint (after batch j, or earlier when checkpoints are sparser: the batches
    /// since are trained again) ends bitwise as the uninterrupted run: weights, BN buffers, heads, optimizer states,
    /// schedule, global RNG (dropout) and every epoch and batch metric but the wall seconds.
    /// </summary>
    [Theory]
    [InlineData("tt-local", "direct", "4C3-P2-6C3-FC2", 2, 3, 1)]
    [InlineData("tt-local", "poisson", "4C3-BN-P2-D0.2-6C3-D0.2-FC2", 1, 5, 1)]
    [InlineData("tt-local", "poisson", "4C3-BN-P2-D0.2-6C3-D0.2-FC2", 2, 7, 3)]   // checkpoint after batch 6: batch 7 is redone
    [InlineData("tbptt-accumulate", "poisson", "4C3-P2-D0.2-FC2", 2, 1, 1)]
    [InlineData("bptt", "direct", "4C3-P2-FC2", 1, 8, 2)]   // stopped after the last batch, before the epoch's checkpoint
    public void A_run_stopped_within_an_epoch_resumes_bitwise(string planName, string encoding, string spec, int stopEpoch, int stopBatch, int every) =>
        StopAndResume(PlanNamed(planName), new TrainerOptions { Epochs = 2, BatchSize = 8, LearningRate = 5e-3, Seed = 9, MeasureMemory = false },
            encoding, spec, stopEpoch, stopBatch, every);

    /// <summary>
    /// As <see cref="A_run_stopped_within_an_epoch_resumes_bitwise"/>, trained with SGD (momentum, weight decay, Nesterov):
    /// every block's momentum buffers come back from the checkpoint; for SLTT-K also the generator that draws its steps
    /// (with sparse checkpoints the batches since are redone, drawing the same steps).
    /// </summary>
    [Theory]
    [InlineData("sltt-k", "poisson", "4C3-P2-D0.2-FC2", 2, 5, 3, false)]
    [InlineData("decolle", "direct", "4C3-P2-6C3-FC2", 1, 6, 2, false)]
    [InlineData("tt-local", "poisson", "4C3-BN-P2-D0.2-6C3-D0.2-FC2", 1, 5, 1, false)]
    [InlineData("tbptt-accumulate", "direct", "4C3-P2-FC2", 2, 3, 2, true)]
    public void A_run_trained_with_sgd_resumes_bitwise(string planName, string encoding, string spec, int stopEpoch, int stopBatch, int every, bool nesterov) =>
        StopAndResume(PlanNamed(planName), new TrainerOptions
        {
            Epochs = 2,
            BatchSize = 8,
            LearningRate = 0.05,
            Seed = 9,
            MeasureMemory = false,
            Optimizer = Snn.Optimization.OptimizerSettings.Sgd(0.9, 5e-4, nesterov),
        }, encoding, spec, stopEpoch, stopBatch, every);

    private static void StopAndResume(TrainingPlan plan, TrainerOptions options, string encoding, string spec, int stopEpoch, int stopBatch, int every)
    {
        using var images = TrainerTests.Bars(64, seed: 2);
        using var test = TrainerTests.Bars(16, seed: 3);
        SpikingNetwork Build(int seed) { torch.manual_seed(seed); return NetworkSpec.Build(spec, [1, 8, 8]); }
        var dir = Directory.CreateTempSubdirectory("snn-ckpt-");
        try
        {
            using var whole = Build(1);
            var wholeTrainer = new Trainer(whole, plan, options);
            var wholeHistory = wholeTrainer.Fit(Source(images, encoding), test.Encoded());
            var wholeState = CheckpointState.Of(wholeTrainer);

            var path = Path.Combine(dir.FullName, "run.ckpt");
            using var first = Build(1);
            var stopped = options with { CheckpointPath = path, CheckpointEveryBatches = every, ProgressInterval = TimeSpan.Zero };
            Assert.Throws<Interrupted>(() => new Trainer(first, plan, stopped).Fit(Source(images, encoding), test.Encoded(),
                p => { if (p.Kind == ProgressKind.Batch && (p.Epoch, p.Batch) == (stopEpoch, stopBatch)) throw new Interrupted(); }));
            const int batches = 64 / 8;
            var saved = Math.Min(stopBatch, batches - 1) / every * every;   // the last mid-epoch checkpoint (none after the last batch: the epoch's own follows)
            Assert.Equal((stopEpoch - 1, saved), TrainingCheckpoint.Position(path));

            torch.manual_seed(123);   // the RNG state must come from the checkpoint
            using var resumed = Build(77);   // and so must the weights
            var reports = new List<TrainingProgress>();
            var resumedTrainer = new Trainer(resumed, plan, stopped with { Resume = true });
            var history = resumedTrainer.Fit(Source(images, encoding), test.Encoded(), reports.Add);

            var firstTrained = reports.First(r => r.Kind == ProgressKind.Batch);
            Assert.Equal((stopEpoch, saved + 1), (firstTrained.Epoch, firstTrained.Batch));
            Assert.Equal((2, 0), TrainingCheckpoint.Position(path));
            Assert.Equal(wholeState, CheckpointState.Of(resumedTrainer));
            Assert.Equal(CheckpointState.Computed(wholeHistory.Epochs), CheckpointState.Computed(history.Epochs));
            Assert.Equal(wholeHistory.Batches.Select(b => JsonSerializer.Serialize(b)), history.Batches.Select(b => JsonSerializer.Serialize(b)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A checkpoint in the first format (epoch ends only, before mid-epoch checkpoints) is refused, saying how to restart.</summary>
    [Fact]
    public void A_checkpoint_of_the_first_format_is_refused_naming_it()
    {
        using var train = TrainerTests.Bars(64, seed: 2);
        var plan = TrainingPlan.TruncatedLocal(4, 2, 1);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3, Seed = 9, MeasureMemory = false };
        var dir = Directory.CreateTempSubdirectory("snn-ckpt-");
        try
        {
            var whole = new Trainer(Net(1), plan, options);
            whole.Fit(train.Encoded());
            var path = Path.Combine(dir.FullName, "run.ckpt");
            Assert.Throws<Interrupted>(() => new Trainer(Net(1), plan, options with { CheckpointPath = path })
                .Fit(train.Encoded(), null, p => { if (p.Kind == ProgressKind.Epoch) throw new Interrupted(); }));

            // Version 1 is version 2 at an epoch end without the "partial epoch" flag.
            var bytes = File.ReadAllBytes(path);
            using (var reader = new BinaryReader(new MemoryStream(bytes)))
            {
                Assert.Equal("SNN-CHECKPOINT-2", reader.ReadString());
                reader.ReadString();
                reader.ReadString();
                reader.ReadBytes(4 + 4 + 8);
                var flag = (int)reader.BaseStream.Position;
                Assert.False(reader.ReadBoolean());
                bytes[16] = (byte)'1';
                File.WriteAllBytes(path, [.. bytes[..flag], .. bytes[(flag + 1)..]]);
            }
            var position = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Position(path));
            Assert.Contains("version-1", position.Message);
            var resumed = new Trainer(Net(77), plan, options with { CheckpointPath = path, Resume = true });
            var e = Assert.Throws<InvalidDataException>(() => resumed.Fit(train.Encoded()));
            Assert.Contains(path, e.Message);
            Assert.Contains("delete it", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Mid_epoch_checkpoint_settings_are_checked()
    {
        Assert.Equal("CheckpointEveryBatches", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new TrainerOptions { CheckpointPath = "x", CheckpointEveryBatches = 0 }.Validated()).ParamName);
        Assert.Equal("CheckpointInterval", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new TrainerOptions { CheckpointPath = "x", CheckpointInterval = TimeSpan.FromSeconds(-1) }.Validated()).ParamName);
        Assert.Contains("need a CheckpointPath", Assert.Throws<ArgumentException>(() =>
            new TrainerOptions { CheckpointInterval = TimeSpan.Zero }.Validated()).Message);
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
