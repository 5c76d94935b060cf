using Snn.Encoders;
using Snn.Networks;
using Snn.Neurons;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;
using Snn.Plans;

namespace Snn.Tests;

/// <summary>The sanity laws of docs/method.md, checked in float64 against independent loops.</summary>
public sealed class TrainerGradientTests
{
    private const int T = 6;

    private static SpikingNetwork Net(string spec, long[] shape, NetworkOptions? options = null, int seed = 3)
    {
        torch.manual_seed(seed);
        var net = NetworkSpec.Build(spec, shape, options);
        net.to(ScalarType.Float64);
        return net;
    }

    private static (Tensor Images, Tensor Labels) Batch(long[] shape, int n = 16, int seed = 4, double scale = 1.5)
    {
        var g = new torch.Generator((ulong)seed);
        var images = (torch.rand([n, .. shape], generator: g, dtype: ScalarType.Float64) * scale).DetachFromDisposeScope();
        var labels = torch.randint(0, 3, [n], generator: g).DetachFromDisposeScope();
        return (images, labels);
    }

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    private static Dictionary<string, Tensor> Grads(SpikingNetwork net, TrainingPlan plan, Tensor x, Tensor y) =>
        new Trainer(net, plan, new TrainerOptions { MeasureMemory = false }).ComputeGradients(new DirectEncoder().Encode(x, plan.TimeSteps), y);

    [Fact]
    public void Bptt_gradients_equal_a_plain_bptt_loop()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net("2C3-P2-FC3", [1, 6, 6]);
        var (x, y) = Batch([1, 6, 6]);
        var lif = ((LifNeuron)net.Stages[0].Neuron).Parameters;
        var conv = net.Stages[0].Synapse.parameters().ToArray();
        var fc = net.Stages[1].Synapse.parameters().ToArray();

        // Reference: one graph over all T steps, written with raw ops and the pure Lif.Step.
        LifState? state = null;
        Tensor? membrane = null;
        var readouts = new List<Tensor>();
        double spikes = 0;
        for (var t = 0; t < T; t++)
        {
            var current = max_pool2d(conv2d(x, conv[0], conv[1]), 2);
            var (s, next) = Lif.Step(current, state, lif);
            state = next;
            spikes += s.sum().item<double>();
            var input = linear(s.flatten(1), fc[0], fc[1]);
            membrane = membrane is null ? input : membrane * NetworkOptions.Default.ReadoutBeta + input;
            readouts.Add(membrane);
        }
        var rate = spikes / (T * 16 * 2 * 2 * 2);
        Assert.InRange(rate, 0.05, 0.95);   // the neurons really spike and really stay silent
        var loss = cross_entropy(torch.stack(readouts).mean([0]), y);
        var reference = torch.autograd.grad([loss], [conv[0], conv[1], fc[0], fc[1]]);

        foreach (var plan in new[] { TrainingPlan.Bptt(T), TrainingPlan.Local(T, 2), TrainingPlan.Bptt(T) with { Update = UpdatePolicy.Accumulate } })
        {
            var g = Grads(net, plan, x, y);
            Assert.Equal(4, g.Count);
            Assert.True(MaxDiff(g["stages.0.synapse.weight"], reference[0]) <= 1e-6, plan.ToString());
            Assert.True(MaxDiff(g["stages.0.synapse.bias"], reference[1]) <= 1e-6, plan.ToString());
            Assert.True(MaxDiff(g.Where(kv => kv.Key.StartsWith("stages.1.") && kv.Key.EndsWith("weight")).Single().Value, reference[2]) <= 1e-6, plan.ToString());
            Assert.True(MaxDiff(g.Where(kv => kv.Key.StartsWith("stages.1.") && kv.Key.EndsWith("bias")).Single().Value, reference[3]) <= 1e-6, plan.ToString());
            Assert.True(reference[0].abs().max().item<double>() > 1e-3, "the first layer's gradient should not vanish");
        }
    }

    /// <summary>
    /// Accumulated windows with one block: the trainer's gradient equals the full-graph gradient of the
    /// same windowed loss Σ_w (|w|/T)·CE(mean over w) minus the terms that cross window borders. Without
    /// recurrence (β → 0; β = 0 itself is outside the LIF's range) there are none, so the two agree for
    /// every K; with β = 0.5 they differ — the cut terms.
    /// </summary>
    [Fact]
    public void Accumulated_truncation_changes_only_the_cut_terms()
    {
        using var scope = torch.NewDisposeScope();
        var memoryless = new NetworkOptions { Neuron = new LifParameters { Beta = 1e-300 }, ReadoutBeta = 0 };
        var (x, y) = Batch([1, 6, 6]);
        foreach (var (options, hasCuts) in new[] { (memoryless, false), (NetworkOptions.Default, true) })
        {
            var net = Net("2C3-P2-FC3", [1, 6, 6], options);
            foreach (var k in new[] { 1, 4 })
            {
                var plan = TrainingPlan.Truncated(T, k) with { Update = UpdatePolicy.Accumulate };
                var g = Grads(net, plan, x, y);
                // Full graph over T, the same windowed loss.
                net.ResetState();
                var readout = net.forward(x.unsqueeze(0).expand(T, -1, -1, -1, -1));
                var loss = plan.Windows().Select(w => cross_entropy(readout.narrow(0, w.Start, w.Length).mean([0]), y) * ((double)w.Length / T))
                    .Aggregate((a, b) => a + b);
                var ps = net.named_parameters().ToArray();
                var full = torch.autograd.grad([loss], ps.Select(p => (Tensor)p.parameter).ToArray());
                net.ResetState();
                var diff = ps.Select((p, i) => MaxDiff(g[p.name], full[i])).Max();
                if (hasCuts) Assert.True(diff > 1e-6, $"β = 0.5, K = {k}: the cut terms should change the gradient (max diff {diff:G3})");
                else Assert.True(diff <= 1e-12, $"no recurrence, K = {k}: max diff {diff:G3}");
            }
        }
    }

    [Fact]
    public void Forward_dynamics_do_not_depend_on_K_or_B()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net("2C3-P2-4C3-FC3", [1, 8, 8]);
        var (x, y) = Batch([1, 8, 8]);
        BatchOutcome? reference = null;
        foreach (var plan in new[] { TrainingPlan.Bptt(T), TrainingPlan.Truncated(T, 1), TrainingPlan.Truncated(T, 4), TrainingPlan.Local(T, 1),
                     TrainingPlan.TruncatedLocal(T, 2, 1), TrainingPlan.TruncatedLocal(T, 4, 2) with { Head = LocalHeadKind.FixedRandom } })
        {
            new Trainer(net, plan).ComputeGradients(new DirectEncoder().Encode(x, plan.TimeSteps), y, out var outcome);
            Assert.True(outcome.SpikeCounts[0] > 0 && outcome.SpikeCounts[1] > 0, "both hidden stages should spike");
            if (reference is null) { reference = outcome; continue; }
            Assert.Equal(reference.SpikeCounts, outcome.SpikeCounts);
            Assert.Equal(reference.Correct, outcome.Correct);
            var diff = reference.Readout.Zip(outcome.Readout, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff < 1e-12, $"{plan}: readout differs by {diff:G3}");
        }
    }

    [Fact]
    public void Each_block_learns_only_from_its_own_loss()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net("2C3-P2-4C3-FC3", [1, 8, 8]);
        var (x, y) = Batch([1, 8, 8]);
        var trainer = new Trainer(net, TrainingPlan.TruncatedLocal(T, 4, 1), new TrainerOptions { MeasureMemory = false });
        var before = trainer.ComputeGradients(new DirectEncoder().Encode(x, T), y);
        Assert.All(before.Values, g => Assert.True(g.abs().max().item<double>() > 0, "every parameter should get a gradient"));

        // Change everything downstream of block 0 (stages 1, 2 and head 1): block 0's gradients must not move.
        using (torch.no_grad())
        {
            foreach (var p in net.Stages[1].parameters().Concat(net.Stages[2].parameters()).Concat(trainer.Heads[1].parameters()))
                p.add_(torch.randn_like(p) * 0.3);
        }
        var after = trainer.ComputeGradients(new DirectEncoder().Encode(x, T), y);
        foreach (var key in before.Keys.Where(k => k.StartsWith("stages.0.") || k.StartsWith("heads.0.")))
            Assert.True(MaxDiff(before[key], after[key]) == 0, $"{key} changed when only later blocks changed");
        foreach (var key in before.Keys.Where(k => k.StartsWith("stages.2.")))
            Assert.True(MaxDiff(before[key], after[key]) > 0, $"{key} should follow its own weights");

        // Block 0 by hand: its stage over each window from the carried state, its head on the window average.
        net.ResetState();
        var stage = net.Stages[0];
        var ps = stage.parameters().Concat(trainer.Heads[0].parameters()).ToArray();
        var sum = ps.Select(p => torch.zeros_like(p)).ToArray();
        foreach (var (start, length) in trainer.Plan.Windows())
        {
            var spikes = stage.forward(x.unsqueeze(0).expand(T, -1, -1, -1, -1).narrow(0, start, length));
            var g = torch.autograd.grad([cross_entropy(trainer.Heads[0].forward(spikes.mean([0])), y) * ((double)length / T)], ps);   // ComputeGradients weights windows by length/T
            for (var i = 0; i < ps.Length; i++) sum[i] += g[i];
            stage.DetachState();
        }
        net.ResetState();
        var own = stage.named_parameters().Select(p => "stages.0." + p.name).Concat(trainer.Heads[0].named_parameters().Select(p => "heads.0." + p.name)).ToArray();
        for (var i = 0; i < ps.Length; i++)
            Assert.True(MaxDiff(after[own[i]], sum[i]) <= 1e-12, $"{own[i]}: trainer and hand-written block loss disagree");
    }
}

public sealed class TrainerUpdateTests
{
    /// <summary>Per-window updates: window 2 starts from the weights window 1 produced and uses only its own gradient.</summary>
    [Theory]
    [InlineData(UpdatePolicy.PerWindowAndBlock)]
    [InlineData(UpdatePolicy.Accumulate)]
    public void Updates_follow_the_policy(UpdatePolicy update)
    {
        using var scope = torch.NewDisposeScope();
        const int steps = 5;
        SpikingNetwork Build()
        {
            torch.manual_seed(11);
            var n = NetworkSpec.Build("2C3-P2-FC3", [1, 6, 6]);
            n.to(ScalarType.Float64);
            return n;
        }
        var g = new torch.Generator(5);
        var x = torch.rand([8, 1, 6, 6], generator: g, dtype: ScalarType.Float64) * 1.5;
        var y = torch.randint(0, 3, [8], generator: g);
        var plan = TrainingPlan.Truncated(steps, 2) with { Update = update };

        var net = Build();
        new Trainer(net, plan, new TrainerOptions { LearningRate = 0.05 }).TrainStep(new DirectEncoder().Encode(x, steps), y);

        // By hand: raw Adam over the same windows.
        var manual = Build();
        var adam = optim.Adam(manual.parameters(), lr: 0.05);
        manual.ResetState();
        adam.zero_grad();
        foreach (var (start, length) in plan.Windows())
        {
            if (update == UpdatePolicy.PerWindowAndBlock) adam.zero_grad();
            var readout = manual.forward(x.unsqueeze(0).expand(steps, -1, -1, -1, -1).narrow(0, start, length));
            var loss = cross_entropy(readout.mean([0]), y);
            (update == UpdatePolicy.Accumulate ? loss * ((double)length / steps) : loss).backward();
            if (update == UpdatePolicy.PerWindowAndBlock) adam.step();
            manual.DetachState();
        }
        if (update == UpdatePolicy.Accumulate) adam.step();
        manual.ResetState();

        var diff = net.parameters().Zip(manual.parameters(), (a, b) => (a - b).abs().max().item<double>()).Max();
        Assert.True(diff <= 1e-12, $"{plan}: weights differ by {diff:G3}");
        var moved = net.parameters().Zip(Build().parameters(), (a, b) => (a - b).abs().max().item<double>()).Max();
        Assert.True(moved > 1e-3, "the step should change the weights");
    }
}
