using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Snn.Benchmarks;
using Snn.Costs;
using Snn.Layers;
using Snn.Networks;
using Snn.Training;
using Snn.Neurons;
using Snn.Plans;

namespace Snn.Tests;

public sealed class CostModelTests
{
    // W2: 2×34×34 → 12C5 (30×30) → P2 (15×15) → 64C5 (11×11) → P2 (5×5) → FC10.
    private static IReadOnlyList<StageDescription> W2() => NetworkSpec.Build("12C5-P2-64C5-P2-FC10", [2, 34, 34]).Describe();
    private static IReadOnlyList<StageDescription> W1() => Zoo.Mlp().Describe();
    private static readonly CostOptions Events = new() { AnalogInput = false };

    [Fact]
    public void Conv_and_linear_op_counts_match_hand_counts()
    {
        var r = CostModel.Estimate(W2(), TrainingPlan.Bptt(1), batch: 1, Events);
        const double conv1 = 30 * 30 * 12 * (2 * 5 * 5), conv2 = 11 * 11 * 64 * (12 * 5 * 5), fc = 64 * 5 * 5 * 10;
        Assert.Equal([conv1, conv2, fc], r.Stages.Select(s => s.ForwardAcs));
        Assert.All(r.Stages, s => Assert.Equal(0, s.ForwardMacs));          // spike input everywhere
        Assert.Equal([conv1, conv2, fc], r.Stages.Select(s => s.WeightGradientAcs));
        Assert.Equal([0, conv2, fc], r.Stages.Select(s => s.ErrorPropagationMacs)); // no δ into the input

        var mlp = CostModel.Estimate(W1(), TrainingPlan.Bptt(25), batch: 128);
        Assert.Equal(784.0 * 800 * 128 * 25, mlp.Stages[0].ForwardMacs);        // analog layer 1 is MAC
        Assert.Equal(784.0 * 800 * 128 * 25, mlp.Stages[0].WeightGradientMacs);
        Assert.Equal(800.0 * 10 * 128 * 25, mlp.Stages[1].ForwardAcs);
        Assert.Equal(800.0 * 10 * 128 * 25, mlp.Stages[1].ErrorPropagationMacs);
        Assert.Equal(4.0 * (784 * 800 + 800 + 800 * 10 + 10), mlp.MacsOf(CostPhase.Optimizer));
    }

    [Fact]
    public void Firing_rates_scale_spike_driven_ops_only()
    {
        var dense = CostModel.Estimate(W2(), TrainingPlan.Bptt(10), 4, Events with { InputRate = 0.05 });
        var sparse = CostModel.Estimate(W2(), TrainingPlan.Bptt(10), 4, Events with { InputRate = 0.05, FiringRates = [0.1, 0.2, 0] });
        Assert.Equal(dense.Stages[0].ForwardAcs, sparse.Stages[0].ForwardAcs);
        Assert.Equal(dense.Stages[1].ForwardAcs * 0.1, sparse.Stages[1].ForwardAcs, 6);
        Assert.Equal(dense.Stages[2].WeightGradientAcs * 0.2, sparse.Stages[2].WeightGradientAcs, 6);
        Assert.Equal(dense.MacsOf(CostPhase.ErrorPropagation), sparse.MacsOf(CostPhase.ErrorPropagation));
        Assert.Equal(sparse.Acs * 0.9 + sparse.Macs * 4.6, sparse.EnergyPicojoules, 3);
        Assert.Throws<ArgumentException>(() => CostModel.Estimate(W2(), TrainingPlan.Bptt(10), 4, Events with { FiringRates = [0.1] }));
    }

    [Fact]
    public void Retained_bytes_per_step_match_a_hand_count()
    {
        // Per step (× batch), float32: a conv stage with max pooling keeps the fused LIF's spike and surrogate window in
        // two bits, four steps to a byte (T = 10: 3 bytes per neuron, 0.3 B per step) and the pool's winner (1 B); nothing
        // keeps its synapse output. Its stacked spikes (4 B) are kept by the next convolution and counted there. Spikes read
        // by a linear synapse of the same block, where keeping them as bool would pay for the weight-sized gradient copy it
        // costs (3·K·N·n > 4·weights; W2's batch and T), are not kept at all: the LIF window runs that synapse inside its
        // node, whose backward reads them back from the codes' fired bits. The readout keeps its stacked membranes (4 B).
        var r = CostModel.Estimate(W2(), TrainingPlan.Bptt(10), 32, Events);
        Assert.Equal(32 * 12 * 15 * 15 * (0.3 + 1), r.Stages[0].RetainedBytesPerStep, 6);
        Assert.Equal(32 * (64 * 5 * 5 * (0.3 + 1) + 12 * 15 * 15 * 4), r.Stages[1].RetainedBytesPerStep, 6);
        Assert.Equal(32 * 10 * 4, r.Stages[2].RetainedBytesPerStep);
        // The last stage of a block keeps its float spikes (the loss and the next block read them); the first stage of a
        // block reads a detached input that the window holds.
        var local = CostModel.Estimate(W2(), TrainingPlan.Local(10, 1), 32, Events);
        Assert.Equal(32 * 64 * 5 * 5 * (4 + 0.3 + 1), local.Stages[1].RetainedBytesPerStep, 6);
        // An FC hidden layer without pooling, read by the FC readout it feeds (T = 25: 7 bytes of codes per neuron, 0.28 B per step).
        var mlp = CostModel.Estimate(W1(), TrainingPlan.Bptt(25), 128);
        Assert.Equal(128 * 800 * 0.28, mlp.Stages[0].RetainedBytesPerStep, 6);
        // One sample and one step: the codes take a byte; the copy would not pay, the readout's linear synapse keeps the
        // float spikes (counted there).
        var tiny = CostModel.Estimate(W1(), TrainingPlan.Bptt(1), 1);
        Assert.Equal(800 * 1, tiny.Stages[0].RetainedBytesPerStep);
        Assert.Equal(800 * 4 + 10 * 4, tiny.Stages[1].RetainedBytesPerStep);
    }

    [Fact]
    public void Optimizer_transient_is_one_chunk_or_two_parameter_copies()
    {
        // W1's largest parameter: 784×800 weights. ChunkedAdam: one chunk of 2²⁰ elements at most; TorchSharp's Adam: 2 copies.
        var plan = TrainingPlan.Bptt(1);
        var chunked = CostModel.Estimate(W1(), plan, 1, new CostOptions { OptimizerChunkElements = 100_000 });
        var plain = CostModel.Estimate(W1(), plan, 1, new CostOptions { OptimizerChunkElements = null });
        Assert.Equal(2 * 784 * 800 * 4 - 100_000 * 4, plain.PeakStepBytes - chunked.PeakStepBytes, 3);   // both above the backward phase
    }

    [Fact]
    public void Channels_last_drops_the_backward_copies_where_the_gradient_comes_back_in_its_layout()
    {
        // W2's second stage, 64C5 on 12×15×15 then 2×2 pooling; error propagates into the first.
        var pooled = W2()[1];
        double output = pooled.SynapseOutputs, input = pooled.InputSize;
        Assert.Equal(output + (output + input) + input, PeakMemoryModel.BackwardPhaseElements(pooled, errorPropagates: true).Synapse);
        Assert.Equal(output + input, PeakMemoryModel.BackwardPhaseElements(pooled, errorPropagates: true, channelsLast: true).Synapse);
        // Without pooling the fused LIF window hands back its gradient in its currents' (channels-last) layout: no copies either.
        var unpooled = NetworkSpec.Build("8C3p1-16C3p1-FC10", [4, 8, 8]).Describe()[1];
        Assert.Equal((double)unpooled.SynapseOutputs + unpooled.InputSize,
            PeakMemoryModel.BackwardPhaseElements(unpooled, errorPropagates: true, channelsLast: true).Synapse);
        // A per-step-graph neuron (learnable β) hands back autograd's planar gradient: oneDNN copies it (measured 0.60–0.84 ×
        // output + input), the planar count.
        var perStep = unpooled with { NeuronParameters = 16 };
        Assert.Equal(PeakMemoryModel.BackwardPhaseElements(perStep, errorPropagates: true).Synapse,
            PeakMemoryModel.BackwardPhaseElements(perStep, errorPropagates: true, channelsLast: true).Synapse);
        // The first convolution keeps its channels-last input copy (two channels); a one-channel input runs planar.
        var channelsLast = new CostOptions { AnalogInput = false, ConvolutionLayout = ConvolutionLayout.ChannelsLast };
        var first = StageFootprint.Of(W2()[0], batch: 1, bytesPerElement: 4, constantInput: false, channelsLast);
        Assert.True(first.ChannelsLast);
        Assert.Equal(4.0 * 2 * 34 * 34, first.SynapseSaved);
        var oneChannel = NetworkSpec.Build("12C5-P2-FC10", [1, 28, 28]).Describe()[0];
        Assert.False(StageFootprint.Of(oneChannel, 1, 4, constantInput: false, channelsLast).ChannelsLast);
        // Over a W2 BPTT step the model's peak falls (measured: 33.7 → 24.9 MiB).
        var plan = TrainingPlan.Bptt(10);
        Assert.True(CostModel.Estimate(W2(), plan, 32, channelsLast).PeakStepBytes < CostModel.Estimate(W2(), plan, 32, Events).PeakStepBytes);
    }

    [Fact]
    public void Retained_bytes_follow_the_K_and_B_formulas()
    {
        var stages = W2();
        const int T = 10, N = 8;
        var bptt = CostModel.Estimate(stages, TrainingPlan.Bptt(T), N, Events);
        var perStep = bptt.Stages.Select(s => s.RetainedBytesPerStep).ToArray();
        Assert.Equal(T * perStep.Sum(), bptt.RetainedActivationBytes, 3);                  // T·Σ stages
        foreach (var k in new[] { 1, 2, 5 })
        {
            var trunc = CostModel.Estimate(stages, TrainingPlan.Truncated(T, k), N, Events);
            // K·Σ, with the per-step bytes of this K (whether spikes are kept as bool depends on K·N).
            Assert.Equal(k * trunc.Stages.Sum(s => s.RetainedBytesPerStep), trunc.RetainedActivationBytes, 3);
            var ttl = CostModel.Estimate(stages, TrainingPlan.TruncatedLocal(T, k, 1), N, Events);
            Assert.Equal(k * ttl.Stages.Max(s => s.RetainedBytesPerStep), ttl.RetainedActivationBytes, 3);   // K·max stage
        }
        var local2 = CostModel.Estimate(stages, TrainingPlan.Local(T, 2), N, Events);
        var perStep2 = local2.Stages.Select(s => s.RetainedBytesPerStep).ToArray();   // stage 1's spikes cross a block border
        Assert.Equal(T * Math.Max(perStep2[0] + perStep2[1], perStep2[2]), local2.RetainedActivationBytes, 3);
        // Persistent state (weights, grads, Adam) does not shrink with K.
        Assert.Equal(bptt.PersistentBytes, CostModel.Estimate(stages, TrainingPlan.Truncated(T, 2), N, Events).PersistentBytes);
        Assert.True(bptt.PeakStepBytes > bptt.RetainedActivationBytes);
    }

    [Fact]
    public void Local_training_removes_error_propagation_between_blocks_and_truncation_keeps_ops()
    {
        var stages = W2();
        var bptt = CostModel.Estimate(stages, TrainingPlan.Bptt(10), 8, Events);
        var trunc = CostModel.Estimate(stages, TrainingPlan.Truncated(10, 2), 8, Events);
        foreach (var phase in new[] { CostPhase.Forward, CostPhase.ErrorPropagation, CostPhase.WeightGradient })
        {
            Assert.Equal(bptt.MacsOf(phase), trunc.MacsOf(phase));
            Assert.Equal(bptt.AcsOf(phase), trunc.AcsOf(phase));
        }
        Assert.Equal(5 * bptt.MacsOf(CostPhase.Optimizer), trunc.MacsOf(CostPhase.Optimizer), 3); // one update per window
        Assert.True(trunc.WeightAccessBytes > bptt.WeightAccessBytes);

        var local = CostModel.Estimate(stages, TrainingPlan.TruncatedLocal(10, 2, 1), 8, Events);
        Assert.All(local.Stages.Where(s => !s.IsHead), s => Assert.Equal(0, s.ErrorPropagationMacs));
        Assert.Equal(2, local.Stages.Count(s => s.IsHead));
        // Heads: global-average-pooled channels → 10 classes, once per window (5 windows) per sample.
        Assert.Equal(8.0 * 5 * 12 * 10, local.Stages.Single(s => s.Name.StartsWith("head0", StringComparison.Ordinal)).ErrorPropagationMacs);

        var split = CostModel.Estimate(stages, new TrainingPlan { TimeSteps = 10, BlockBoundaries = [2] }, 8, Events);
        Assert.Equal([0, bptt.Stages[1].ErrorPropagationMacs, 0], split.Stages.Where(s => !s.IsHead).Select(s => s.ErrorPropagationMacs));
    }

    [Fact]
    public void Bad_arguments_name_the_parameter()
    {
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.Estimate(W1(), TrainingPlan.Bptt(4), 0)).ParamName);
        Assert.Equal("PicojoulesPerMac", Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.Estimate(W1(), TrainingPlan.Bptt(4), 1, new CostOptions { PicojoulesPerMac = -1 })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.Estimate(W1(), TrainingPlan.Local(4, 5), 1));
    }

    /// <summary>
    /// Every number of the cost model, bit for bit, over W1–W3 (sweep and mode plans, accumulated updates, fixed random
    /// heads; dense, with firing rates, with TorchSharp's Adam) and a few networks with batch norm, average pooling, a
    /// learnable β and explicit block boundaries: one line per report in Golden/cost-model.txt, its fields in round-trip
    /// form and a hash of its stages' fields. A refactoring must not change a bit; a deliberate change of the model
    /// regenerates the file with SNN_UPDATE_GOLDEN=1 (and says so in its commit).
    /// </summary>
    [Fact]
    public void Every_number_matches_the_golden_file()
    {
        var path = GoldenPath();
        var actual = GoldenLines().ToList();
        if (Environment.GetEnvironmentVariable("SNN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllLines(path, actual);
            return;
        }
        var expected = File.ReadAllLines(path);
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == actual[i], $"golden line {i + 1} differs:\nexpected {expected[i]}\nactual   {actual[i]}");
    }

    private static string GoldenPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "Snn.Tests", "Golden"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "tests", "Snn.Tests", "Golden", "cost-model.txt");
    }

    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One line per case: network, plan, options, the report's fields and a hash of its stages' fields.</summary>
    private static IEnumerable<string> GoldenLines()
    {
        var networks = new List<(string Id, IReadOnlyList<StageDescription> Stages, int Batch, CostOptions Options, List<TrainingPlan> Plans)>();
        foreach (var w in Workload.All)
        {
            var plans = w.SweepPlans().Concat(Workload.Modes.Select(w.Plan)).DistinctBy(p => p.ToString()).ToList();
            networks.Add((w.Id, w.Build().Describe(), w.Batch, w.CostOptions(), plans));
        }
        var learnable = new NetworkOptions { Neuron = LifParameters.Default with { LearnableBeta = true } };
        networks.Add(("bn-alexnet", Zoo.AlexNet(64, options: learnable).Describe(), 4, Events with { InputRate = 0.05 },
            [TrainingPlan.Bptt(10), TrainingPlan.Truncated(10, 3), TrainingPlan.TruncatedLocal(10, 3, 3), new TrainingPlan { TimeSteps = 10, Truncation = 4, BlockBoundaries = [1, 5] }]));
        networks.Add(("avgpool", NetworkSpec.Build("12C5-BN-AP2-64C5-P2-FC10", [2, 34, 34]).Describe(), 3, Events,
            [TrainingPlan.Bptt(7), TrainingPlan.Truncated(7, 2), TrainingPlan.TruncatedLocal(7, 3, 1), new TrainingPlan { TimeSteps = 7, BlockBoundaries = [2] }]));
        networks.Add(("bn-mlp", Zoo.Mlp(batchNorm: true, hidden: [300, 100]).Describe(), 5, new CostOptions { InputConstantOverTime = true },
            [TrainingPlan.Bptt(6), TrainingPlan.Truncated(6, 4), TrainingPlan.TruncatedLocal(6, 4, 2), TrainingPlan.Local(6, 1)]));
        foreach (var (id, stages, batch, options, plans) in networks)
        {
            var rates = stages.Select((s, i) => s.IsSpiking ? 0.01 * (i + 3) : 0).ToList();
            var variants = new (string Name, CostOptions Options)[]
            {
                ("dense", options), ("rates", options with { FiringRates = rates }), ("torch-adam", options with { OptimizerChunkElements = null }),
            };
            foreach (var basePlan in plans)
            {
                var planVariants = new List<TrainingPlan> { basePlan, basePlan with { Update = UpdatePolicy.Accumulate } };
                if (basePlan.IsLocal) planVariants.Add(basePlan with { Head = LocalHeadKind.FixedRandom });
                foreach (var plan in planVariants)
                    foreach (var (name, o) in variants)
                    {
                        var r = CostModel.Estimate(stages, plan, batch, o);
                        var text = new StringBuilder();
                        foreach (var s in r.Stages)
                            text.AppendLine(string.Join(' ', s.Index, s.Name, s.Block, s.IsHead, R(s.ForwardMacs), R(s.ForwardAcs), R(s.ErrorPropagationMacs),
                                R(s.WeightGradientMacs), R(s.WeightGradientAcs), R(s.OptimizerMacs), R(s.WeightBytes), R(s.ActivationBytes),
                                R(s.GradientBytes), R(s.OptimizerBytes), R(s.RetainedBytesPerStep), s.Parameters));
                        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
                        var line = string.Join(" | ", id, plan, name, r.Batch, R(r.RetainedActivationBytes), R(r.PeakStepBytes), R(r.PersistentBytes),
                            R(r.EncodedInputBytes), R(r.CarriedStateBytes), R(r.BackwardTransientBytes), R(r.BlockOutputBytes), R(r.Macs), R(r.Acs),
                            R(r.AccessBytes), r.Stages.Count, hash);
                        yield return line;
                    }
            }
        }
    }
}
