using Snn.Encoders;
using Snn.Networks;
using Snn.Neurons;
using Snn.Optimization;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>
/// SLTT, SLTT-K and DECOLLE as plans, checked in float64 against loops written from the papers' equations with raw ops
/// and the pure <see cref="Lif.Step"/> (no trainer code), each with a negative control that must miss the reference:
/// a leaked temporal route (SLTT), the wrong steps (SLTT-K), a gradient crossing a layer, one update per batch and a
/// learning readout (DECOLLE).
/// </summary>
public sealed class RelatedMethodGradientTests
{
    private const int T = 6;
    private const string Spec = "2C3-P2-FC4-FC3";   // conv LIF → FC LIF → readout: two spiking layers, three stages

    private static SpikingNetwork Net(int seed = 3)
    {
        torch.manual_seed(seed);
        var net = NetworkSpec.Build(Spec, [1, 6, 6]);
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

    private static Tensor Encode(Tensor x) => new DirectEncoder().Encode(x, T);

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    private static Trainer Trainer(SpikingNetwork net, TrainingPlan plan, TrainerOptions? options = null) =>
        new(net, plan, (options ?? new TrainerOptions()) with { MeasureMemory = false });

    /// <summary>The synapse weight and bias of each stage, in stage order (the order of every gradient list here).</summary>
    private static Tensor[] Weights(SpikingNetwork net) => net.Stages.SelectMany(s => s.Synapse.parameters()).Select(p => (Tensor)p).ToArray();

    /// <summary>The trainer's gradients in the order of <see cref="Weights"/>.</summary>
    private static Tensor[] InOrder(Dictionary<string, Tensor> g)
    {
        string[] order = [.. Enumerable.Range(0, 3).SelectMany(i => new[] { $"stages.{i}.", $"stages.{i}." })];
        return order.Select((prefix, j) => g.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)
            && kv.Key.EndsWith(j % 2 == 0 ? "weight" : "bias", StringComparison.Ordinal)).Single().Value).ToArray();
    }

    private static double MaxDiff(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b) => a.Select((t, i) => MaxDiff(t, b[i])).Max();

    private static LifState? Detached(LifState? s) => s is { } state ? new LifState(state.Membrane.detach(), state.Spikes.detach()) : null;

    /// <summary>
    /// SLTT (Meng et al. 2023, Eq. 10–12): the loss of step t, ℓ_t = CE(m[t], y)/T, backpropagated through the layers at
    /// step t only — every state from step t−1 enters as a constant — so ∇ = Σ_t ∂ℓ_t/∂W|spatial. Returns ∂ℓ_t/∂W per step.
    /// With <paramref name="leak"/> the state keeps its graph (a temporal route leaks in): the gradient of the same losses
    /// through time instead.
    /// </summary>
    private static List<Tensor[]> PerStepGradients(SpikingNetwork net, Tensor x, Tensor y, bool leak = false)
    {
        var w = Weights(net);
        var lif0 = ((LifNeuron)net.Stages[0].Neuron).Parameters;
        var lif1 = ((LifNeuron)net.Stages[1].Neuron).Parameters;
        var beta = NetworkOptions.Default.ReadoutBeta;
        LifState? s0 = null, s1 = null;
        Tensor? m = null;
        var perStep = new List<Tensor[]>();
        Tensor? total = null;
        var rates = new double[2];
        for (var t = 0; t < T; t++)
        {
            var (z0, n0) = Lif.Step(max_pool2d(conv2d(x, w[0], w[1]), 2), leak ? s0 : Detached(s0), lif0);
            var (z1, n1) = Lif.Step(linear(z0.flatten(1), w[2], w[3]), leak ? s1 : Detached(s1), lif1);
            var input = linear(z1, w[4], w[5]);
            m = m is null ? input : (leak ? m : m.detach()) * beta + input;
            var loss = cross_entropy(m, y) / T;
            if (leak) total = total is null ? loss : total + loss;
            else perStep.Add([.. torch.autograd.grad([loss], w)]);
            (s0, s1) = (n0, n1);
            rates[0] += z0.mean().item<double>() / T;
            rates[1] += z1.mean().item<double>() / T;
        }
        Assert.All(rates, r => Assert.InRange(r, 0.05, 0.95));   // both layers really spike and really stay silent
        if (leak) perStep.Add([.. torch.autograd.grad([total!], w)]);
        return perStep;
    }

    private static Tensor[] Sum(IEnumerable<Tensor[]> grads) => grads.Aggregate((a, b) => a.Zip(b, (p, q) => p + q).ToArray());

    [Fact]
    public void Sltt_is_the_sum_of_the_per_step_spatial_gradients()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var plan = TrainingPlan.Sltt(T);
        Assert.Equal("SLTT (T=6, K=1, accumulate)", plan.ToString());
        var got = InOrder(Trainer(net, plan).ComputeGradients(Encode(x), y, out var outcome));
        var reference = Sum(PerStepGradients(net, x, y));
        var match = MaxDiff(got, reference);
        Assert.True(match <= 1e-12, $"SLTT vs the per-step spatial gradient: max diff {match:G3}");
        Assert.True(reference[0].abs().max().item<double>() > 1e-3, "the first layer's gradient should not vanish");

        // Negative control: the same per-step losses with the temporal route leaked in (state not detached) is BPTT of
        // the per-step loss — the trainer's BpttWindowedLoss(T, 1), bitwise in its formulation — and misses SLTT.
        var leaked = PerStepGradients(net, x, y, leak: true)[0];
        var bpttPerStep = InOrder(Trainer(net, TrainingPlan.BpttWindowedLoss(T, 1)).ComputeGradients(Encode(x), y, out var bpttOutcome));
        Assert.True(MaxDiff(bpttPerStep, leaked) <= 1e-12, "the leaked reference is BPTT of the per-step loss");
        Assert.True(Math.Abs(outcome.Loss - bpttOutcome.Loss) <= 1e-12, "same forward, same per-step loss");
        var control = MaxDiff(got, leaked);
        TestContext.Current.TestOutputHelper?.WriteLine($"SLTT vs reference {match:G3}; vs the leaked temporal route {control:G3}");
        Assert.True(control > 1e-3, $"a leaked temporal route should change the gradient by > 1e-3 (max diff {control:G3})");
    }

    [Fact]
    public void Sltt_k_backpropagates_exactly_the_chosen_steps()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var perStep = PerStepGradients(net, x, y);
        var trainer = Trainer(net, TrainingPlan.SlttK(T, 2), new TrainerOptions { Seed = 11 });
        Assert.Equal("SLTT-K (T=6, K=1, accumulate, 2 of 6 steps sampled)", trainer.Plan.ToString());
        var sltt = Trainer(net, TrainingPlan.Sltt(T)).ComputeGradients(Encode(x), y, out var slttOutcome);
        for (var batch = 0; batch < 3; batch++)
        {
            var got = InOrder(trainer.ComputeGradients(Encode(x), y, out var outcome));
            var chosen = trainer.LastSampledSteps!;
            Assert.Equal(2, chosen.Distinct().Count());
            var match = MaxDiff(got, Sum(chosen.Select(t => perStep[t])));
            Assert.True(match <= 1e-12, $"batch {batch}, steps [{string.Join(", ", chosen)}]: max diff {match:G3}");
            // Negative controls: another pair of steps, and every step (SLTT), miss the gradient.
            var other = new[] { Enumerable.Range(0, T).First(t => !chosen.Contains(t)), chosen[1] };
            var wrong = MaxDiff(got, Sum(other.Select(t => perStep[t])));
            var all = MaxDiff(got, InOrder(sltt));
            TestContext.Current.TestOutputHelper?.WriteLine($"steps [{string.Join(", ", chosen)}]: {match:G3}; steps [{string.Join(", ", other)}]: {wrong:G3}; all steps: {all:G3}");
            Assert.True(wrong > 1e-4, $"the gradient of steps [{string.Join(", ", other)}] should differ by > 1e-4 ({wrong:G3})");
            Assert.True(all > 1e-4, $"SLTT's gradient (every step) should differ by > 1e-4 ({all:G3})");
            // Steps not chosen still run forward and are scored: the same spikes and loss as SLTT's.
            Assert.Equal(slttOutcome.SpikeCounts, outcome.SpikeCounts);
            Assert.True(Math.Abs(slttOutcome.Loss - outcome.Loss) <= 1e-12, "every step's loss is reported");
        }
        // k = T backpropagates every step: SLTT.
        var everyStep = Trainer(net, TrainingPlan.SlttK(T, T)).ComputeGradients(Encode(x), y);
        Assert.All(sltt.Keys, key => Assert.True(MaxDiff(sltt[key], everyStep[key]) <= 1e-12, key));
    }

    [Fact]
    public void Sltt_k_draws_reproducibly_from_the_seed_and_anew_per_batch()
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = Batch(n: 4);
        List<int[]> Draws(int seed)
        {
            var trainer = Trainer(Net(), TrainingPlan.SlttK(8, 3), new TrainerOptions { Seed = seed });
            Assert.Null(trainer.LastSampledSteps);
            return Enumerable.Range(0, 8).Select(_ =>
            {
                trainer.ComputeGradients(new DirectEncoder().Encode(x, 8), y);
                return trainer.LastSampledSteps!.ToArray();
            }).ToList();
        }
        var a = Draws(5);
        var b = Draws(5);
        var other = Draws(6);
        Assert.Equal(a, b);   // reproducible from the seed
        Assert.All(a, set => Assert.True(set.Length == 3 && set.Distinct().Count() == 3 && set.All(t => t is >= 0 and < 8) && set.SequenceEqual(set.Order())));
        Assert.True(a.Select(s => string.Join(",", s)).Distinct().Count() > 1, "the steps should be drawn anew per batch");
        Assert.NotEqual(a, other);   // another seed, other steps
        // The draws come from the sampler's own generator: the global stream (initialisation, dropout) is not moved.
        var trainer = Trainer(Net(), TrainingPlan.SlttK(8, 3));
        var before = torch.random.get_rng_state().data<byte>().ToArray();
        trainer.ComputeGradients(new DirectEncoder().Encode(x, 8), y);
        Assert.Equal(before, torch.random.get_rng_state().data<byte>().ToArray());
    }

    /// <summary>
    /// DECOLLE (Kaiser et al. 2020, Eq. 6–9) at step t: layer l's loss ℓ_l = MSE(G_l s_l[t], onehot(y)) through its fixed
    /// random readout G_l, with its input s_{l−1}[t] and its state from t−1 constants (the readout layer's loss is on its
    /// membrane). Returns each layer's ∂ℓ_l/∂W_l for the given weights (in <see cref="Weights"/> order) and the next
    /// states. With <paramref name="crossLayers"/> inputs are not detached and one sum of the losses is differentiated: the
    /// gradients then cross layers (a negative control).
    /// </summary>
    private static (Tensor[] Grads, LifState S0, LifState S1, Tensor M) DecolleStep(Tensor[] w, Tensor[] readouts, LifParameters lif0, LifParameters lif1,
        Tensor x, Tensor y, LifState? s0, LifState? s1, Tensor? m, bool crossLayers = false)
    {
        var target = one_hot(y, 3).to_type(ScalarType.Float64);
        var (z0, n0) = Lif.Step(max_pool2d(conv2d(x, w[0], w[1]), 2), Detached(s0), lif0);
        var loss0 = mse_loss(linear(z0.flatten(1), readouts[0]), target);
        var (z1, n1) = Lif.Step(linear((crossLayers ? z0 : z0.detach()).flatten(1), w[2], w[3]), Detached(s1), lif1);
        var loss1 = mse_loss(linear(z1, readouts[1]), target);
        var input = linear(crossLayers ? z1 : z1.detach(), w[4], w[5]);
        var membrane = m is null ? input : m.detach() * NetworkOptions.Default.ReadoutBeta + input;
        var loss2 = mse_loss(membrane, target);
        Tensor[] grads = crossLayers
            ? [.. torch.autograd.grad([loss0 + loss1 + loss2], w)]
            : [.. torch.autograd.grad([loss0], w[..2]), .. torch.autograd.grad([loss1], w[2..4]), .. torch.autograd.grad([loss2], w[4..])];
        return (grads, n0, n1, membrane);
    }

    [Fact]
    public void Decolle_trains_each_layer_on_its_own_local_loss_only()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net();
        var (x, y) = Batch();
        var trainer = Trainer(net, TrainingPlan.Decolle(T));
        Assert.Equal("DECOLLE (T=6, K=1, B=1, fixed random heads, MSE loss)", trainer.Plan.ToString());
        var g = trainer.ComputeGradients(Encode(x), y);
        Assert.Equal(6, g.Count);   // the fixed readouts get no gradient
        var got = InOrder(g);
        var w = Weights(net);
        var readouts = new[] { trainer.Heads[0].parameters().Single(), trainer.Heads[1].parameters().Single() };
        var lif0 = ((LifNeuron)net.Stages[0].Neuron).Parameters;
        var lif1 = ((LifNeuron)net.Stages[1].Neuron).Parameters;
        Tensor[] Reference(bool crossLayers)
        {
            LifState? s0 = null, s1 = null;
            Tensor? m = null;
            var sum = w.Select(p => torch.zeros_like(p)).ToArray();
            for (var t = 0; t < T; t++)
            {
                (var grads, s0, s1, m) = DecolleStep(w, readouts, lif0, lif1, x, y, s0, s1, m, crossLayers);
                for (var i = 0; i < w.Length; i++) sum[i] += grads[i] / T;   // ComputeGradients weighs each step by 1/T
            }
            return sum;
        }
        var match = MaxDiff(got, Reference(crossLayers: false));
        Assert.True(match <= 1e-12, $"DECOLLE vs per-layer local losses: max diff {match:G3}");
        Assert.All(got, t => Assert.True(t.abs().max().item<double>() > 1e-6, "every layer learns from its own loss"));
        // Negative control: letting the gradient cross layers changes the lower layers' gradients.
        var crossed = Reference(crossLayers: true);
        var control = MaxDiff(got[..4], crossed[..4]);
        TestContext.Current.TestOutputHelper?.WriteLine($"DECOLLE vs reference {match:G3}; vs gradients crossing layers {control:G3}");
        Assert.True(control > 1e-4, $"gradients crossing layers should differ by > 1e-4 (max diff {control:G3})");
    }

    /// <summary>
    /// One training batch of DECOLLE with plain SGD (η, no momentum) equals T·3 updates by hand: at every step, every layer
    /// in order takes W ← W − η ∂ℓ_l/∂W at the weights its previous updates left (DECOLLE's online updates). The readouts
    /// stay bitwise as drawn. Negative controls: one update per batch (the gradients summed at the start weights) misses
    /// the weights; a learnable readout moves.
    /// </summary>
    [Fact]
    public void Decolle_updates_every_layer_at_every_step_and_keeps_its_readouts()
    {
        using var scope = torch.NewDisposeScope();
        const double lr = 0.5;
        var (x, y) = Batch();
        var net = Net();
        var w = Weights(net).Select(p => p.detach().clone().requires_grad_()).ToArray();
        var start = w.Select(p => p.detach().clone()).ToArray();
        var lif0 = ((LifNeuron)net.Stages[0].Neuron).Parameters;
        var lif1 = ((LifNeuron)net.Stages[1].Neuron).Parameters;
        var sgd = new TrainerOptions { LearningRate = lr, Optimizer = OptimizerSettings.Sgd(momentum: 0) };
        var trainer = Trainer(net, TrainingPlan.Decolle(T), sgd);
        var readouts = new[] { trainer.Heads[0].parameters().Single().detach().clone(), trainer.Heads[1].parameters().Single().detach().clone() };
        trainer.TrainStep(Encode(x), y);

        LifState? s0 = null, s1 = null;
        Tensor? m = null;
        var once = w.Select(p => torch.zeros_like(p)).ToArray();
        for (var t = 0; t < T; t++)
        {
            (var grads, s0, s1, m) = DecolleStep(w, readouts, lif0, lif1, x, y, s0, s1, m);
            using (torch.no_grad())
                for (var i = 0; i < w.Length; i++) w[i].sub_(grads[i] * lr);
        }
        var got = Weights(net);
        var match = MaxDiff(got, w);
        var moved = MaxDiff(got, start);
        Assert.True(match <= 1e-12, $"DECOLLE's step-by-step updates: max diff {match:G3}");
        Assert.True(moved > 1e-4, $"the weights should move ({moved:G3})");
        Assert.True(trainer.Heads[0].parameters().Single().eq(readouts[0]).all().item<bool>(), "readout 0 changed");
        Assert.True(trainer.Heads[1].parameters().Single().eq(readouts[1]).all().item<bool>(), "readout 1 changed");

        // Negative control: the batch's gradients at the start weights, applied once, are another update.
        var fixedW = start.Select(p => p.clone().requires_grad_()).ToArray();
        (s0, s1, m) = (null, null, null);
        for (var t = 0; t < T; t++)
        {
            (var grads, s0, s1, m) = DecolleStep(fixedW, readouts, lif0, lif1, x, y, s0, s1, m);
            for (var i = 0; i < w.Length; i++) once[i] += grads[i];
        }
        var batchUpdate = start.Select((p, i) => p - once[i] * lr).ToArray();
        var control = MaxDiff(got, batchUpdate);
        TestContext.Current.TestOutputHelper?.WriteLine($"step by step vs hand {match:G3}; vs one update per batch {control:G3}; moved {moved:G3}");
        Assert.True(control > 1e-6, $"one update per batch should end elsewhere (max diff {control:G3})");

        // Negative control: a readout that learns (a learnable head on the same blocks) does not stay as drawn.
        var learning = Trainer(Net(), TrainingPlan.TruncatedLocal(T, 1, 1) with { Loss = LossKind.RateMse }, sgd);
        var drawn = learning.Heads.parameters().Select(p => p.detach().clone()).ToArray();
        learning.TrainStep(Encode(x), y);
        var headMoved = learning.Heads.parameters().Zip(drawn, (p, q) => MaxDiff(p, q)).Max();
        Assert.True(headMoved > 1e-6, $"a learnable readout should move ({headMoved:G3}), so the fixed-readout check can fail");
    }
}
