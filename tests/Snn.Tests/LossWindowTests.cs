using Snn.Encoders;
using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>
/// The loss window L (TrainingPlan.LossWindow): BPTT with a truncated plan's windowed loss. Checked in float64 against
/// plain loops over all T steps written with raw ops (no trainer code), against the accumulating truncated plan with
/// K = L (same loss, other gradient), and against today's plans where L is the gradient window (bitwise).
/// </summary>
public sealed class LossWindowTests
{
    private const int T = 6;

    private static SpikingNetwork Net(int seed = 3)
    {
        torch.manual_seed(seed);
        var net = NetworkSpec.Build("2C3-P2-FC3", [1, 6, 6]);
        net.to(ScalarType.Float64);
        return net;
    }

    private static (Tensor Images, Tensor Labels) Batch(int n = 16, int seed = 4)
    {
        var g = new torch.Generator((ulong)seed);
        var images = (torch.rand([n, 1, 6, 6], generator: g, dtype: ScalarType.Float64) * 1.5).DetachFromDisposeScope();
        var labels = torch.randint(0, 3, [n], generator: g).DetachFromDisposeScope();
        return (images, labels);
    }

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    private static Trainer Trainer(SpikingNetwork net, TrainingPlan plan, int? recompute = null) =>
        new(net, plan, new TrainerOptions { MeasureMemory = false, RecomputeSegment = recompute });

    private static Dictionary<string, Tensor> Grads(Trainer trainer, Tensor x, Tensor y, out BatchOutcome outcome) =>
        trainer.ComputeGradients(new DirectEncoder().Encode(x, T), y, out outcome);

    private static Tensor Param(Dictionary<string, Tensor> g, string prefix, string suffix) =>
        g.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Key.EndsWith(suffix, StringComparison.Ordinal)).Single().Value;

    /// <summary>Chunks of L steps over 0 … T−1, written out here rather than taken from the plan.</summary>
    private static List<(int Start, int Length)> Chunks(int l)
    {
        var chunks = new List<(int, int)>();
        for (var s = 0; s < T; s += l) chunks.Add((s, Math.Min(l, T - s)));
        return chunks;
    }

    /// <summary>
    /// The network over all T steps in one graph with raw ops and the pure Lif.Step: per step the spikes [N, 2, 2, 2] and
    /// the readout membrane [N, 3]. With <paramref name="detachReadoutInput"/> the readout reads detached spikes (a block border).
    /// </summary>
    private static (List<Tensor> Spikes, List<Tensor> Readouts) RawForward(SpikingNetwork net, Tensor x, bool detachReadoutInput)
    {
        var lif = ((LifNeuron)net.Stages[0].Neuron).Parameters;
        var conv = net.Stages[0].Synapse.parameters().ToArray();
        var fc = net.Stages[1].Synapse.parameters().ToArray();
        LifState? state = null;
        Tensor? membrane = null;
        var spikes = new List<Tensor>();
        var readouts = new List<Tensor>();
        for (var t = 0; t < T; t++)
        {
            var (s, next) = Lif.Step(max_pool2d(conv2d(x, conv[0], conv[1]), 2), state, lif);
            state = next;
            spikes.Add(s);
            var input = linear((detachReadoutInput ? s.detach() : s).flatten(1), fc[0], fc[1]);
            membrane = membrane is null ? input : membrane * NetworkOptions.Default.ReadoutBeta + input;
            readouts.Add(membrane);
        }
        return (spikes, readouts);
    }

    /// <summary>Σ_c (|c| / T)·CE(scores of the mean over chunk c).</summary>
    private static Tensor WindowedLoss(List<Tensor> perStep, int l, Tensor y, Func<Tensor, Tensor> scores) =>
        Chunks(l).Select(c => cross_entropy(scores(torch.stack(perStep.GetRange(c.Start, c.Length)).mean([0])), y) * ((double)c.Length / T))
            .Aggregate((a, b) => a + b);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]   // does not divide T = 6: chunks of 4 and 2 steps
    public void Bptt_with_a_loss_window_is_the_full_gradient_of_the_windowed_loss(int l)
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var conv = net.Stages[0].Synapse.parameters().ToArray();
        var fc = net.Stages[1].Synapse.parameters().ToArray();
        var (spikes, readouts) = RawForward(net, x, detachReadoutInput: false);
        var rate = torch.stack(spikes).mean().item<double>();
        Assert.InRange(rate, 0.05, 0.95);   // the neurons really spike and really stay silent
        var loss = WindowedLoss(readouts, l, y, m => m);
        var reference = torch.autograd.grad([loss], [conv[0], conv[1], fc[0], fc[1]], retain_graph: true);
        var wholeT = torch.autograd.grad([cross_entropy(torch.stack(readouts).mean([0]), y)], [conv[0], conv[1], fc[0], fc[1]]);

        var plan = TrainingPlan.BpttWindowedLoss(T, l);
        Assert.Equal($"BPTT (T=6, K=6, accumulate, loss per {(l == 1 ? "step" : $"{l} steps")})", plan.ToString());
        var g = Grads(Trainer(net, plan), x, y, out var outcome);
        var got = new[] { g["stages.0.synapse.weight"], g["stages.0.synapse.bias"], Param(g, "stages.1.", "weight"), Param(g, "stages.1.", "bias") };
        for (var i = 0; i < 4; i++)
            Assert.True(MaxDiff(got[i], reference[i]) <= 1e-12, $"L = {l}, parameter {i}: max diff {MaxDiff(got[i], reference[i]):G3}");
        Assert.True(Math.Abs(outcome.Loss - loss.item<double>()) <= 1e-12, $"reported loss {outcome.Loss} vs {loss.item<double>()}");
        Assert.True(reference[0].abs().max().item<double>() > 1e-3, "the first layer's gradient should not vanish");

        // Negative control: the loss on the whole-T mean (plain BPTT) is another objective; its gradient must not match.
        var control = got.Select((t, i) => MaxDiff(t, wholeT[i])).Max();
        var match = got.Select((t, i) => MaxDiff(t, reference[i])).Max();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"L = {l}: trainer vs raw loop {match:G3}, vs the whole-T loss {control:G3}, |grad| max {reference[0].abs().max().item<double>():G3}");
        Assert.True(control > 1e-3, $"L = {l}: the windowed-loss gradient should differ from the whole-T loss's by > 1e-3 (max diff {control:G3})");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void A_two_block_local_plan_scores_each_block_per_loss_window(int l)
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var plan = TrainingPlan.Local(T, 1) with { LossWindow = l, Update = UpdatePolicy.Accumulate };
        var trainer = Trainer(net, plan);
        var conv = net.Stages[0].Synapse.parameters().ToArray();
        var fc = net.Stages[1].Synapse.parameters().ToArray();
        var head = trainer.Heads[0].parameters().ToArray();   // linear weight [3, 2], bias [3] after a global average pool
        var (spikes, readouts) = RawForward(net, x, detachReadoutInput: true);
        var block0 = WindowedLoss(spikes, l, y, s => linear(s.mean([-2, -1]), head[0], head[1]));
        var block1 = WindowedLoss(readouts, l, y, m => m);
        // Block 0's loss reaches no readout weight and block 1's (detached input) no conv weight, so one sum serves both.
        var reference = torch.autograd.grad([block0 + block1], [conv[0], conv[1], head[0], head[1], fc[0], fc[1]]);

        var g = Grads(trainer, x, y, out var outcome);
        var got = new[]
        {
            g["stages.0.synapse.weight"], g["stages.0.synapse.bias"], Param(g, "heads.0.", "weight"), Param(g, "heads.0.", "bias"),
            Param(g, "stages.1.", "weight"), Param(g, "stages.1.", "bias"),
        };
        for (var i = 0; i < got.Length; i++)
            Assert.True(MaxDiff(got[i], reference[i]) <= 1e-12, $"L = {l}, parameter {i}: max diff {MaxDiff(got[i], reference[i]):G3}");
        TestContext.Current.TestOutputHelper?.WriteLine($"L = {l}: trainer vs raw loop {got.Select((t, i) => MaxDiff(t, reference[i])).Max():G3}");
        Assert.True(Math.Abs(outcome.BlockLosses[0] - block0.item<double>()) <= 1e-12, "block 0's reported loss");
        Assert.True(Math.Abs(outcome.BlockLosses[1] - block1.item<double>()) <= 1e-12, "block 1's reported loss");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Same_loss_as_the_accumulating_truncated_plan_but_another_gradient(int l)
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var windowed = Grads(Trainer(net, TrainingPlan.BpttWindowedLoss(T, l)), x, y, out var a);
        var truncated = Grads(Trainer(net, TrainingPlan.Truncated(T, l) with { Update = UpdatePolicy.Accumulate }), x, y, out var b);

        // Same forward (no weight changes within the batch) and the same objective Σ_c (|c|/T)·CE(chunk mean).
        Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-12, $"L = {l}: loss {a.Loss} vs {b.Loss}");
        Assert.Equal(a.SpikeCounts, b.SpikeCounts);
        Assert.Equal(a.Correct, b.Correct);
        Assert.True(a.Readout.Zip(b.Readout, (p, q) => Math.Abs(p - q)).Max() <= 1e-12, "same readout");
        // The gradient route differs: only the first stage's weights see terms across the cut (the readout's leak too).
        var diff = windowed.Keys.Max(k => MaxDiff(windowed[k], truncated[k]));
        TestContext.Current.TestOutputHelper?.WriteLine($"L = {l}: loss {a.Loss:G17} vs {b.Loss:G17}; gradients differ by {diff:G3}");
        Assert.True(diff > 1e-4, $"L = {l}: full and truncated gradients of the same loss should differ by > 1e-4 (max diff {diff:G3})");
    }

    [Fact]
    public void A_loss_window_as_long_as_the_gradient_window_is_todays_plan_bitwise()
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = Batch();
        var pairs = new (TrainingPlan With, TrainingPlan Without)[]
        {
            (TrainingPlan.BpttWindowedLoss(T, T), TrainingPlan.Bptt(T) with { Update = UpdatePolicy.Accumulate }),
            (TrainingPlan.Bptt(T) with { LossWindow = T }, TrainingPlan.Bptt(T)),
            (TrainingPlan.Truncated(T, 4) with { LossWindow = 4 }, TrainingPlan.Truncated(T, 4)),
            (TrainingPlan.TruncatedLocal(T, 4, 1) with { LossWindow = 4 }, TrainingPlan.TruncatedLocal(T, 4, 1)),
        };
        foreach (var (with, without) in pairs)
        {
            Assert.Equal(without.ToString(), with.ToString());   // also what checkpoints compare
            var a = Grads(Trainer(Net(), with), x, y, out var oa);
            var b = Grads(Trainer(Net(), without), x, y, out var ob);
            Assert.All(a.Keys, k => Assert.True(a[k].eq(b[k]).all().item<bool>(), $"{with}: {k} differs"));
            Assert.Equal(ob.Loss, oa.Loss);
            Assert.Equal(ob.BlockLosses, oa.BlockLosses);

            // A training step with the plan's own updates (per window for the defaults) ends at the same weights.
            // Each trainer right after its network's seed: local heads draw their initial weights from the global RNG.
            var netA = Net();
            Trainer(netA, with).TrainStep(new DirectEncoder().Encode(x, T), y);
            var netB = Net();
            Trainer(netB, without).TrainStep(new DirectEncoder().Encode(x, T), y);
            Assert.All(netA.parameters().Zip(netB.parameters()), p => Assert.True(p.First.eq(p.Second).all().item<bool>(), $"{with}: weights differ"));
        }
    }

    [Theory]
    [InlineData(6, 4, null)]   // BPTT, chunks 4 + 2; segments 2, 2, 2
    [InlineData(4, 3, 1)]      // TT-Local K = 4: windows 4 (chunks 3 + 1) and 2 (one chunk)
    public void Recomputation_gives_the_loss_windows_gradients(int k, int l, int? blockSize)
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = Batch();
        var plan = new TrainingPlan { TimeSteps = T, Truncation = k, BlockSize = blockSize, LossWindow = l, Update = UpdatePolicy.Accumulate }.Validated();
        var plain = Grads(Trainer(Net(), plan), x, y, out var a);
        var recomputed = Grads(Trainer(Net(), plan, recompute: 2), x, y, out var b);
        var diff = plain.Keys.Max(key => MaxDiff(plain[key], recomputed[key]));
        TestContext.Current.TestOutputHelper?.WriteLine($"{plan}: recomputed vs plain {diff:G3}");
        Assert.True(diff <= 1e-12, $"{plan}: recomputed gradients differ by {diff:G3}");
        Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-12);
    }

    [Fact]
    public void Impossible_loss_windows_are_rejected_naming_the_knob()
    {
        foreach (var make in new Func<TrainingPlan>[]
                 {
                     () => TrainingPlan.BpttWindowedLoss(6, 0),
                     () => TrainingPlan.BpttWindowedLoss(6, 7),
                     () => TrainingPlan.Truncated(6, 2) with { LossWindow = 3 },
                 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => make().Validated());
            Assert.Equal("LossWindow", e.ParamName);
        }
        var k = Assert.Throws<ArgumentOutOfRangeException>(() => (TrainingPlan.Truncated(6, 2) with { LossWindow = 3 }).Validated());
        Assert.Contains("K = 2", k.Message);
        Assert.Equal("TT-Local (T=6, K=4, B=1, loss per 2 steps)", (TrainingPlan.TruncatedLocal(6, 4, 1) with { LossWindow = 2 }).ToString());
        Assert.Equal([(0, 4), (4, 2)], TrainingPlan.BpttWindowedLoss(6, 4).LossChunks(6));
        Assert.Equal([(0, 2)], TrainingPlan.BpttWindowedLoss(6, 4).LossChunks(2));
    }
}
