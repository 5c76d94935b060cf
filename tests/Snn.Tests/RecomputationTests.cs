using Snn.Benchmarks;
using Snn.Cli;
using Snn.Encoders;
using Snn.Measurement;
using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// Recomputation (TrainerOptions.RecomputeSegment; docs/method.md): the same gradients, updates and metrics as without
/// it, in float64 (measured: within 2e-16 absolute, 1e-15 relative), for BPTT, truncation with segments that do not divide K, and TT-Local; the fused LIF window continues a
/// tracked membrane exactly as the per-step graph; batch norm is refused; and a step keeps less memory.
/// </summary>
public sealed class RecomputationTests
{
    private const int T = 10, N = 8;

    private static LifParameters Neuron(string kind) => kind switch
    {
        // The per-step graph (reset path not detached): the last spikes carry gradient across segment borders too.
        "per-step" => LifParameters.Default with { DetachReset = false, Surrogate = new FastSigmoid(5.0) },
        "soft" => LifParameters.Default with { Reset = ResetMode.Soft, Surrogate = new FastSigmoid(5.0) },
        _ => LifParameters.Default,
    };

    private static SpikingNetwork Net(string spec, long[] shape, string neuron)
    {
        torch.manual_seed(3);
        var net = NetworkSpec.Build(spec, shape, new NetworkOptions { Neuron = Neuron(neuron) });
        net.to(ScalarType.Float64);
        return net;
    }

    /// <summary>A conv + FC network on Poisson spikes, and a direct-input MLP with time-shared dropout (the constant-input path).</summary>
    private static (string Spec, long[] Shape, Tensor Input, Tensor Labels) Data(string name)
    {
        var g = new torch.Generator(4);
        if (name == "conv")
        {
            var images = torch.rand([N, 1, 10, 10], generator: g, dtype: ScalarType.Float64) * 0.9;
            return ("4C3-P2-FC12-FC3", [1, 10, 10], new PoissonEncoder(7, gain: 1.0).Encode(images, T), torch.randint(0, 3, [N], generator: g));
        }
        var analog = torch.rand([N, 12], generator: g, dtype: ScalarType.Float64) * 1.5;
        return ("FC16-D0.3-FC12-FC3", [12], new DirectEncoder().Encode(analog, T), torch.randint(0, 3, [N], generator: g));
    }

    public static TheoryData<string, string, string, int> Cases()
    {
        var data = new TheoryData<string, string, string, int>();
        foreach (var workload in new[] { "conv", "mlp" })
        {
            data.Add(workload, "bptt", "hard", 3);       // segments 3, 3, 3, 1
            data.Add(workload, "tbptt", "hard", 3);      // K = 4: windows 4, 4, 2; segments 3, 1 (the short window runs whole)
            data.Add(workload, "tt-local", "hard", 2);   // K = 5, B = 1: segments 2, 2, 1
            data.Add(workload, "tbptt", "soft", 3);
            data.Add(workload, "bptt", "per-step", 4);
        }
        return data;
    }

    private static TrainingPlan Plan(string mode) => mode switch
    {
        "bptt" => TrainingPlan.Bptt(T),
        "tbptt" => TrainingPlan.Truncated(T, 4),
        _ => TrainingPlan.TruncatedLocal(T, 5, 1),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_equal_those_without_recomputation(string workload, string mode, string neuron, int segment)
    {
        using var scope = torch.NewDisposeScope();
        var (spec, shape, x, labels) = Data(workload);
        var plan = Plan(mode);
        Dictionary<string, Tensor> Grads(int? recompute, out BatchOutcome outcome)
        {
            var net = Net(spec, shape, neuron);
            torch.manual_seed(5);   // the dropout masks
            return new Trainer(net, plan, new TrainerOptions { MeasureMemory = false, RecomputeSegment = recompute }).ComputeGradients(x, labels, out outcome);
        }
        var reference = Grads(null, out var referenceOutcome);
        var recomputed = Grads(segment, out var outcome);
        // Summed per segment: equal up to rounding where dropout scales the spikes by 1/(1 − p).
        Assert.Equal(referenceOutcome.SpikeCounts, outcome.SpikeCounts, (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)));
        Assert.Equal(referenceOutcome.SpikeElements, outcome.SpikeElements);
        Assert.Equal(referenceOutcome.BlockCorrect, outcome.BlockCorrect);
        Assert.True(outcome.SpikeCounts.Take(2).All(c => c > 0), "the spiking stages fire");
        for (var b = 0; b < outcome.BlockLosses.Length; b++)
            Assert.True(Math.Abs(outcome.BlockLosses[b] - referenceOutcome.BlockLosses[b]) <= 1e-13, $"block {b} loss");
        Assert.Equal(reference.Keys.Order(), recomputed.Keys.Order());
        foreach (var (name, r) in reference)
        {
            var scale = r.abs().max().item<double>();
            var diff = (recomputed[name] - r).abs().max().item<double>();
            Assert.True(diff <= 1e-13 * Math.Max(1, scale), $"{plan} {name}: differs by {diff:E2} (largest entry {scale:E2})");
        }
        Assert.True(reference["stages.0.synapse.weight"].abs().max().item<double>() > 1e-4, "the first layer's gradient should not vanish");
    }

    /// <summary>
    /// Four training steps with and without recomputation. The direct-input MLP recomputes its first block with the
    /// constant input's synapse held for the window (per-window updates) or the batch (accumulated), its segments'
    /// gradients summed into one synapse backward.
    /// </summary>
    [Theory]
    [InlineData("conv", "tt-local", UpdatePolicy.PerWindowAndBlock)]
    [InlineData("conv", "tbptt", UpdatePolicy.Accumulate)]
    [InlineData("mlp", "bptt", UpdatePolicy.PerWindowAndBlock)]
    [InlineData("mlp", "tt-local", UpdatePolicy.PerWindowAndBlock)]
    [InlineData("mlp", "tbptt", UpdatePolicy.Accumulate)]
    public void Training_steps_give_the_same_weights(string workload, string mode, UpdatePolicy update)
    {
        using var scope = torch.NewDisposeScope();
        var plan = Plan(mode) with { Update = update };
        var g = new torch.Generator(9);
        var images = torch.rand([N, 1, 10, 10], generator: g, dtype: ScalarType.Float64) * 0.9;
        var labels = torch.randint(0, 3, [N], generator: g);
        var (mlpSpec, mlpShape, mlpInput, _) = Data("mlp");
        var spec = workload == "mlp" ? mlpSpec : "4C3-P2-FC12-FC3";
        (SpikingNetwork Net, Trainer Trainer) Train(int? recompute)
        {
            var net = Net(spec, workload == "mlp" ? mlpShape : [1, 10, 10], "hard");
            var trainer = new Trainer(net, plan, new TrainerOptions { MeasureMemory = false, LearningRate = 0.01, RecomputeSegment = recompute });
            var encoder = new PoissonEncoder(11, gain: 1.0);
            torch.manual_seed(5);   // the dropout masks
            for (var step = 0; step < 4; step++) trainer.TrainStep(workload == "mlp" ? mlpInput : encoder.Encode(images, T), labels);
            return (net, trainer);
        }
        var (reference, referenceTrainer) = Train(null);
        var (recomputed, trainer) = Train(2);
        var moved = 0.0;
        foreach (var ((name, r), (_, p)) in reference.named_parameters().Zip(recomputed.named_parameters()))
        {
            var diff = (p - r).abs().max().item<double>();
            Assert.True(diff <= 1e-10, $"{name}: differs by {diff:E2} after 4 steps");
        }
        foreach (var ((_, r), (_, p)) in referenceTrainer.Heads.named_parameters().Zip(trainer.Heads.named_parameters()))
            Assert.True((p - r).abs().max().item<double>() <= 1e-10, "a head's weights differ");
        torch.manual_seed(3);
        var initial = NetworkSpec.Build(spec, workload == "mlp" ? mlpShape : [1, 10, 10], new NetworkOptions { Neuron = Neuron("hard") });
        foreach (var ((_, r), (_, p0)) in reference.named_parameters().Zip(initial.named_parameters()))
            moved = Math.Max(moved, (r - p0.to_type(ScalarType.Float64)).abs().max().item<double>());
        Assert.True(moved > 1e-3, "the steps should move the weights");
    }

    [Theory]
    [InlineData(ResetMode.Hard, "rectangular")]
    [InlineData(ResetMode.Soft, "rectangular")]
    [InlineData(ResetMode.Hard, "fast-sigmoid")]
    public void Fused_window_continues_a_tracked_membrane_as_the_per_step_graph(ResetMode reset, string surrogate)
    {
        using var scope = torch.NewDisposeScope();
        var p = LifParameters.Default with { Beta = 0.7, Threshold = 0.4, Reset = reset, Surrogate = surrogate == "rectangular" ? new Rectangular(0.8) : new FastSigmoid(5.0) };
        var g = new torch.Generator(6);
        var start = torch.rand([N, 7], generator: g, dtype: ScalarType.Float64) * 0.8;
        var startSpikes = torch.rand([N, 7], generator: g, dtype: ScalarType.Float64).lt(0.4).to_type(ScalarType.Float64);
        var currents = torch.rand([4, N, 7], generator: g, dtype: ScalarType.Float64) * 0.6;
        var spikeGrad = torch.randn([4, N, 7], generator: g, dtype: ScalarType.Float64);
        var endGrad = torch.randn([N, 7], generator: g, dtype: ScalarType.Float64);
        (Tensor Spikes, Tensor Input, Tensor Membrane) Run(bool fused)
        {
            var neuron = new LifNeuron(p) { Fused = fused };
            var x = currents.clone().requires_grad_();
            var leaf = start.clone().requires_grad_();
            neuron.States[0].Set(leaf.alias());
            neuron.States[1].Set(startSpikes.clone());
            var spikes = neuron.forward(x);
            Assert.True(neuron.Membrane!.requires_grad, "the last membrane continues the history");
            torch.autograd.backward([spikes, neuron.Membrane!], [spikeGrad, endGrad]);
            return (spikes.detach(), x.grad!, leaf.grad!);
        }
        var (spikes, input, membrane) = Run(true);
        var (spikesRef, inputRef, membraneRef) = Run(false);
        Assert.True(spikes.equal(spikesRef).all().item<bool>());
        Assert.InRange(spikesRef.mean().item<double>(), 0.1, 0.9);
        Assert.True(membraneRef.abs().max().item<double>() > 1e-3, "the start membrane's gradient should not vanish");
        Assert.True((input - inputRef).abs().max().item<double>() <= 1e-15, "input gradient");
        Assert.True((membrane - membraneRef).abs().max().item<double>() <= 1e-15, "start membrane gradient");
    }

    [Fact]
    public void Batch_norm_and_a_negative_segment_are_refused_naming_the_option()
    {
        var bn = NetworkSpec.Build("4C3-BN-P2-FC3", [1, 10, 10]);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(bn, TrainingPlan.Bptt(4), new TrainerOptions { RecomputeSegment = 2 }));
        Assert.Contains("RecomputeSegment", e.Message);
        Assert.Contains("batch norm", e.Message);
        _ = new Trainer(bn, TrainingPlan.Bptt(4), new TrainerOptions { RecomputeSegment = 0 });   // 0: off
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { RecomputeSegment = -1 }.Validated());
        Assert.Equal("RecomputeSegment", negative.ParamName);
    }

    [Fact]
    public void Training_with_recomputation_does_not_accumulate_live_tensors()
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(96, seed: 2);
        using var test = TrainerTests.Bars(40, seed: 3);
        var trainer = new Trainer(NetworkSpec.Build("4C3-P2-FC8-D0.2-FC2", [1, 8, 8]), TrainingPlan.TruncatedLocal(6, 5, 2),
            new TrainerOptions { BatchSize = 16, Epochs = 1, RecomputeSegment = 2 });
        TrainerTests.AssertNoLiveTensorGrowth(trainer, train, test);
    }

    [Fact]
    public void Bench_passes_the_segment_to_its_child_runs()
    {
        var settings = new BenchCommand.Settings([Workload.W1], ["bptt"], 3, 1, null, null, false, false, null, Recompute: 5);
        Assert.Equal(new[] { "bench", "--workloads", "W1", "--modes", "bptt", "--steps", "3", "--warmup", "1", "--recompute", "5", "--phase", "time", "--json", "t.json" },
            BenchChild.Arguments(settings, "time", "t.json"));
    }

    /// <summary>W1 by BPTT (K = T = 25): with segments of 5 steps a step keeps a fifth of the window's activations.</summary>
    [Fact]
    public void A_recomputed_step_peaks_lower()
    {
        if (!MemoryMeter.HasAllocatorCounter) { Assert.False(MemoryMeterTests.CounterExpected, "counter expected but not loaded"); Assert.Skip(MemoryMeterTests.NoCounter); }
        var workload = Workload.W1;
        long Peak(int? recompute)
        {
            var (network, _) = Bench.Prepare(workload);
            var trainer = new Trainer(network, workload.Plan("bptt"), new TrainerOptions { BatchSize = workload.Batch, MeasureMemory = false, RecomputeSegment = recompute });
            using var scope = torch.NewDisposeScope();
            return Bench.PeakStepBytes(trainer, workload, warmup: 2, repeats: 2).AllocatorPeakBytes!.Value;
        }
        var off = Peak(null);
        var on = Peak(5);
        Assert.True(on < 0.75 * off, $"peak step with recomputation {MemoryMeter.Format(on)}, without {MemoryMeter.Format(off)}");
    }
}
