using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>
/// OTTT (Xiao et al., NeurIPS 2022) as <see cref="TrainingPlan.Ottt"/>: checked in float64 against a reference written
/// here from the paper's equations with raw ops (its own LIF, surrogate, readout, trace and conv weight gradient; no
/// trainer or layer code): OTTT_A's weight gradient is Σ_t δ[t] ⊗ â[t], with δ[t] the spatial gradient of step t's loss
/// at the synapse output and â[t] = λ·â[t−1] + s[t]; OTTT_O steps the optimizer after every step. Negative controls: the
/// spike in place of the trace (the plain K = 1 gradient) and a leaked temporal route must not match.
/// </summary>
public sealed class OtttTests
{
    private const int T = 5;
    // 4C3 on 1×8×8 → 4×6×6; 6C3s2p1 → 6×3×3 (stride 2, padding 1, an output padding of 1 in its input gradient);
    // FC8; readout FC3. Stages 1–3 keep a trace: a conv, a linear and the readout.
    private const string Spec = "4C3-6C3s2p1-FC8-FC3";
    private static readonly long[] Shape = [1, 8, 8];
    /// <summary>A match: every gradient within this fraction of its largest entry (float64 summed in other orders).</summary>
    private const double Match = 1e-10;
    /// <summary>A negative control must miss by more than this fraction somewhere: 10⁸ times the match tolerance.</summary>
    private const double Miss = 1e-2;

    private static SpikingNetwork Net(ResetMode reset, int seed = 1)
    {
        torch.manual_seed(seed);
        var net = NetworkSpec.Build(Spec, Shape, new NetworkOptions { Neuron = new LifParameters { Reset = reset } });
        net.to(ScalarType.Float64);
        // Every hidden stage at about 10 % (the default init leaves them nearly silent on this input).
        var (x, y) = Batch();
        Calibration.ScaleToFiringRate(net, x, targetRate: 0.1);
        x.Dispose();
        y.Dispose();
        return net;
    }

    /// <summary>Event-like input [T, N, 1, 8, 8]: each pixel spikes with probability 0.3 per step; three classes.</summary>
    private static (Tensor Input, Tensor Labels) Batch(int n = 8, int seed = 4)
    {
        var g = new torch.Generator((ulong)seed);
        var input = (torch.rand([T, n, .. Shape], generator: g, dtype: ScalarType.Float64) < 0.3).to_type(ScalarType.Float64).DetachFromDisposeScope();
        var labels = torch.randint(0, 3, [n], generator: g).DetachFromDisposeScope();
        return (input, labels);
    }

    /// <summary>Largest |a − b| relative to the largest |b|.</summary>
    private static double Relative(Tensor a, Tensor b) => (a - b).abs().max().item<double>() / Math.Max(b.abs().max().item<double>(), 1e-300);

    /// <summary>The network's parameters in stage order: weight, bias of each stage (4 stages → 8 tensors).</summary>
    private static Tensor[] Parameters(SpikingNetwork net) =>
        [.. net.Stages.SelectMany(s => new[] { s.Synapse.named_parameters().First(p => p.name.EndsWith("weight")).parameter, s.Synapse.named_parameters().First(p => p.name.EndsWith("bias")).parameter })];

    private static Tensor[] TrainerGradients(SpikingNetwork net, TrainingPlan plan, Tensor x, Tensor y, out BatchOutcome outcome)
    {
        var g = new Trainer(net, plan, new TrainerOptions { MeasureMemory = false }).ComputeGradients(x, y, out outcome);
        return [.. net.Stages.SelectMany((s, i) => new[] { g.Single(kv => kv.Key.StartsWith($"stages.{i}.") && kv.Key.EndsWith("weight")).Value, g.Single(kv => kv.Key.StartsWith($"stages.{i}.") && kv.Key.EndsWith("bias")).Value })];
    }

    /// <summary>How the reference forms a weight gradient: OTTT's, or one of the negative controls.</summary>
    private enum Reference
    {
        /// <summary>Σ_t δ[t] ⊗ â[t], δ[t] spatial (state detached between steps).</summary>
        Ottt,
        /// <summary>Σ_t δ[t] ⊗ s[t]: the spike instead of the trace (the plain K = 1 gradient).</summary>
        Spike,
        /// <summary>Σ_t δ_full[t] ⊗ â[t] with δ_full through the membranes over all steps: the trace plus a leaked temporal route.</summary>
        LeakedRoute,
        /// <summary>Σ_t δ_full[t] ⊗ s[t]: BPTT of the summed per-step loss.</summary>
        Bptt,
    }

    /// <summary>
    /// The reference gradients (weight, bias per stage) of the loss Σ_t CE(m[t], y)·<paramref name="scale"/> for one
    /// batch at fixed weights <paramref name="ps"/>, and per step the new state. Written from the equations:
    /// LIF u[t] = β·u[t−1]·(1 − s[t−1]) + I[t] (hard) or β·u[t−1] − θ·s[t−1] + I[t] (soft), s = H(u − θ) with the
    /// rectangular surrogate (derivative 1 on |u − θ| &lt; ½); readout m[t] = β_r·m[t−1] + I[t]; trace â[t] = λ·â[t−1] + s[t]
    /// with λ = β for a LIF's input synapse and β_r for the readout's. The first stage's input is the event frame x[t] (no trace).
    /// </summary>
    private static Tensor[] ReferenceGradients(Tensor[] ps, Tensor x, Tensor y, ResetMode reset, Reference kind, double scale)
    {
        var lif = new LifParameters();
        double beta = lif.Beta, theta = lif.Threshold, readoutBeta = new NetworkOptions().ReadoutBeta;
        var leak = kind is Reference.LeakedRoute or Reference.Bptt;
        var traced = kind is Reference.Ottt or Reference.LeakedRoute;
        var grads = ps.Select(p => torch.zeros_like(p)).ToArray();
        Tensor?[] u = new Tensor?[3], s = new Tensor?[3], traces = new Tensor?[4];
        Tensor? m = null;
        var currents = new List<Tensor[]>();
        var inputs = new List<Tensor[]>();   // what each synapse's weight gradient pairs with δ, per step
        Tensor? total = null;
        for (var t = 0; t < T; t++)
        {
            var c = new Tensor[4];
            var input = new Tensor[4];
            var h = x[t];
            for (var l = 0; l < 4; l++)
            {
                // The trace of this synapse's input, without gradient history; λ is the leak of the neuron it feeds.
                var presynaptic = h.detach();
                var decay = l == 3 ? readoutBeta : beta;
                traces[l] = traces[l] is null ? presynaptic.clone() : traces[l]! * decay + presynaptic;
                input[l] = l == 0 || !traced ? presynaptic : traces[l]!;
                c[l] = l switch
                {
                    0 => conv2d(h, ps[0], ps[1]),
                    1 => conv2d(h, ps[2], ps[3], strides: [2, 2], padding: [1, 1]),
                    2 => linear(h.flatten(1), ps[4], ps[5]),
                    _ => linear(h, ps[6], ps[7]),
                };
                if (l == 2) input[l] = input[l].flatten(1);
                if (l == 3) break;
                var previous = u[l] is null ? null : leak ? u[l]! : u[l]!.detach();
                var fired = s[l]?.detach();
                var membrane = previous is null ? c[l]
                    : reset == ResetMode.Hard ? previous * (1.0 - fired!) * beta + c[l]
                    : previous * beta - fired! * theta + c[l];
                var distance = membrane - theta;
                var window = distance.clamp(-0.5, 0.5);
                // H(u − θ) in the forward pass, the rectangle's derivative in the backward pass (window − window = 0 exactly).
                var spikes = distance.ge(0.0).to_type(ScalarType.Float64) + (window - window.detach());
                (u[l], s[l]) = (membrane, spikes);
                h = spikes;
            }
            var previousReadout = m is null ? null : leak ? m : m.detach();
            m = previousReadout is null ? c[3] : previousReadout * readoutBeta + c[3];
            var loss = cross_entropy(m, y) * scale;
            currents.Add(c);
            inputs.Add(input);
            if (leak) total = total is null ? loss : total + loss;
            else Accumulate(grads, torch.autograd.grad([loss], c), input);
        }
        // With the route leaked, δ at each step's synapse output is that of the summed loss through every later step.
        if (leak)
        {
            var all = torch.autograd.grad([total!], [.. currents.SelectMany(c => c)]);
            for (var t = 0; t < T; t++) Accumulate(grads, all.Skip(4 * t).Take(4).ToArray(), inputs[t]);
        }
        return grads;
    }

    // δ ⊗ input for each synapse: gᵀ·a (linear) or the conv's weight gradient written as a sum over kernel offsets.
    private static void Accumulate(Tensor[] grads, IList<Tensor> delta, Tensor[] input)
    {
        grads[0].add_(ConvWeightGradient(delta[0], input[0], stride: 1, padding: 0, kernel: 3));
        grads[1].add_(delta[0].sum([0L, 2L, 3L]));
        grads[2].add_(ConvWeightGradient(delta[1], input[1], stride: 2, padding: 1, kernel: 3));
        grads[3].add_(delta[1].sum([0L, 2L, 3L]));
        grads[4].add_(delta[2].t().mm(input[2]));
        grads[5].add_(delta[2].sum([0L]));
        grads[6].add_(delta[3].t().mm(input[3]));
        grads[7].add_(delta[3].sum([0L]));
    }

    /// <summary>∂W[o, i, u, v] = Σ_{n, y, x} δ[n, o, y, x]·a_padded[n, i, s·y + u, s·x + v].</summary>
    private static Tensor ConvWeightGradient(Tensor delta, Tensor a, int stride, int padding, int kernel)
    {
        var padded = pad(a, [padding, padding, padding, padding]);
        long rows = delta.shape[2], cols = delta.shape[3];
        var offsets = new List<Tensor>();
        for (var du = 0; du < kernel; du++)
            for (var dv = 0; dv < kernel; dv++)
            {
                var patch = padded.slice(2, du, du + stride * (rows - 1) + 1, stride).slice(3, dv, dv + stride * (cols - 1) + 1, stride);
                offsets.Add(torch.einsum("noyx,niyx->oi", delta, patch));
            }
        return torch.stack(offsets, 2).view(delta.shape[1], a.shape[1], kernel, kernel);
    }

    [Theory]
    [InlineData(ResetMode.Soft)]
    [InlineData(ResetMode.Hard)]
    public void Ottt_A_weight_gradient_is_the_sum_of_step_gradients_times_traces(ResetMode reset)
    {
        using var scope = torch.NewDisposeScope();
        var net = Net(reset);
        var (x, y) = Batch();
        var ps = Parameters(net);
        var ottt = TrainerGradients(net, TrainingPlan.Ottt(T, online: false), x, y, out var outcome);
        // Every hidden stage spikes and stays silent somewhere: the traces are neither zero nor the spikes.
        var rates = Enumerable.Range(0, 3).Select(l => outcome.SpikeCounts[l] / outcome.SpikeElements[l]).ToArray();
        Assert.True(rates.All(r => r is > 0.05 and < 0.5), $"firing rates {string.Join(", ", rates.Select(r => r.ToString("F3")))}");

        var reference = ReferenceGradients(ps, x, y, reset, Reference.Ottt, scale: 1.0 / T);
        for (var i = 0; i < ps.Length; i++)
            Assert.True(Relative(ottt[i], reference[i]) <= Match, $"{reset} reset, parameter {i}: OTTT_A differs from Σ_t δ[t] ⊗ â[t] by {Relative(ottt[i], reference[i]):G3}");
        // Every gradient is alive: the first stage's needs the traced conv's input gradient (its transposed convolution).
        Assert.All(reference, r => Assert.True(r.abs().max().item<double>() > 1e-3, "every parameter should get a gradient"));

        // Negative control 1: the spike in place of the trace is the plain K = 1 gradient (the trainer without the knob
        // gives it), and misses OTTT's on every traced weight; the first stage's (no trace) and the biases agree.
        var spike = ReferenceGradients(ps, x, y, reset, Reference.Spike, scale: 1.0 / T);
        var plain = TrainerGradients(net, TrainingPlan.Truncated(T, 1) with { Update = UpdatePolicy.Accumulate }, x, y, out _);
        for (var i = 0; i < ps.Length; i++)
            Assert.True(Relative(plain[i], spike[i]) <= Match, $"{reset} reset, parameter {i}: the plain K = 1 plan differs from Σ_t δ[t] ⊗ s[t]");
        foreach (var i in new[] { 2, 4, 6 })
            Assert.True(Relative(spike[i], ottt[i]) > Miss, $"{reset} reset, parameter {i}: the spike instead of the trace should miss OTTT (by {Relative(spike[i], ottt[i]):G3})");
        foreach (var i in new[] { 0, 1, 3, 5, 7 })
            Assert.True(Relative(spike[i], ottt[i]) <= Match, $"{reset} reset, parameter {i}: only traced weights may change");

        // Negative control 2: the trace with the temporal route leaked counts the membrane's route twice.
        var leaked = ReferenceGradients(ps, x, y, reset, Reference.LeakedRoute, scale: 1.0 / T);
        Assert.True(new[] { 2, 4, 6 }.Max(i => Relative(leaked[i], ottt[i])) > Miss, $"{reset} reset: a leaked temporal route should miss OTTT");

        // The readout integrator has no reset, so its trace (λ = β_r) is exactly its membrane's route: OTTT's readout
        // weight gradient equals BPTT's on the same per-step loss; the hidden ones do not.
        var bptt = ReferenceGradients(ps, x, y, reset, Reference.Bptt, scale: 1.0 / T);
        Assert.True(Relative(ottt[6], bptt[6]) <= Match, $"{reset} reset: the readout weight gradient should be BPTT's ({Relative(ottt[6], bptt[6]):G3})");
        Assert.True(Relative(ottt[2], bptt[2]) > Miss, $"{reset} reset: a hidden weight gradient is OTTT's approximation, not BPTT's");
    }

    [Fact]
    public void Ottt_A_forward_is_the_plain_K1_forward()
    {
        using var scope = torch.NewDisposeScope();
        var net = Net(ResetMode.Soft);
        var (x, y) = Batch();
        TrainerGradients(net, TrainingPlan.Ottt(T, online: false), x, y, out var ottt);
        TrainerGradients(net, TrainingPlan.Bptt(T) with { Update = UpdatePolicy.Accumulate }, x, y, out var bptt);
        Assert.Equal(bptt.SpikeCounts, ottt.SpikeCounts);
        Assert.Equal(bptt.Readout, ottt.Readout);
    }

    /// <summary>
    /// OTTT_O: T optimizer steps per batch, step t's gradient Σ δ[t] ⊗ â[t] (its own loss, unweighted, as every per-window
    /// update) at the weights steps 0 … t−1 left, with the state carried from the steps before (computed with older weights).
    /// </summary>
    [Fact]
    public void Ottt_O_updates_after_every_step_with_that_steps_gradient()
    {
        using var scope = torch.NewDisposeScope();
        const double lr = 0.05;
        const ResetMode reset = ResetMode.Soft;
        var (x, y) = Batch();
        var net = Net(reset);
        new Trainer(net, TrainingPlan.Ottt(T, online: true), new TrainerOptions { LearningRate = lr, MeasureMemory = false })
            .TrainStep(x, y);
        var trained = Parameters(net);

        // By hand: the reference over one step at a time, each from the state the previous steps left, then Adam.
        var ps = Parameters(Net(reset));   // the same initial weights, as plain tensors of the reference
        var adam = optim.Adam(ps.Cast<TorchSharp.Modules.Parameter>(), lr: lr);
        var online = StepByStep(ps, x, y, reset, (grads, _) =>
        {
            for (var i = 0; i < ps.Length; i++) ps[i].grad = grads[i];
            adam.step();
        });
        for (var i = 0; i < ps.Length; i++)
            Assert.True(Relative(trained[i], ps[i]) <= Match, $"parameter {i}: OTTT_O differs from T step-by-step updates by {Relative(trained[i], ps[i]):G3}");
        Assert.Equal(T, online);

        // Negative control: one accumulated update (OTTT_A) ends elsewhere.
        var once = Net(reset);
        new Trainer(once, TrainingPlan.Ottt(T, online: false), new TrainerOptions { LearningRate = lr, MeasureMemory = false })
            .TrainStep(x, y);
        Assert.True(Parameters(once).Zip(ps).Max(p => Relative(p.First, p.Second)) > Miss, "OTTT_A should not reach OTTT_O's weights");
    }

    /// <summary>
    /// Runs the T steps of one batch one at a time with the reference equations (state carried by value), calling
    /// <paramref name="update"/> with step t's OTTT gradients after step t; returns the number of updates.
    /// </summary>
    private static int StepByStep(Tensor[] ps, Tensor x, Tensor y, ResetMode reset, Action<Tensor[], int> update)
    {
        var lif = new LifParameters();
        double beta = lif.Beta, theta = lif.Threshold, readoutBeta = new NetworkOptions().ReadoutBeta;
        Tensor?[] u = new Tensor?[3], s = new Tensor?[3], traces = new Tensor?[4];
        Tensor? m = null;
        var updates = 0;
        for (var t = 0; t < T; t++)
        {
            using var step = torch.NewDisposeScope();
            var c = new Tensor[4];
            var input = new Tensor[4];
            var h = x[t];
            for (var l = 0; l < 4; l++)
            {
                var presynaptic = h.detach();
                traces[l] = (traces[l] is null ? presynaptic.clone() : traces[l]! * (l == 3 ? readoutBeta : beta) + presynaptic).MoveToOuterDisposeScope();
                input[l] = l == 0 ? presynaptic : l == 2 ? traces[l]!.flatten(1) : traces[l]!;
                c[l] = l switch
                {
                    0 => conv2d(h, ps[0], ps[1]),
                    1 => conv2d(h, ps[2], ps[3], strides: [2, 2], padding: [1, 1]),
                    2 => linear(h.flatten(1), ps[4], ps[5]),
                    _ => linear(h, ps[6], ps[7]),
                };
                if (l == 3) break;
                var membrane = u[l] is null ? c[l]
                    : reset == ResetMode.Hard ? u[l]! * (1.0 - s[l]!) * beta + c[l]
                    : u[l]! * beta - s[l]! * theta + c[l];
                var distance = membrane - theta;
                var window = distance.clamp(-0.5, 0.5);
                var spikes = distance.ge(0.0).to_type(ScalarType.Float64) + (window - window.detach());
                u[l] = membrane.detach().MoveToOuterDisposeScope();
                s[l] = spikes.detach().MoveToOuterDisposeScope();
                h = spikes;
            }
            m = (m is null ? c[3] : m * readoutBeta + c[3]);
            var loss = cross_entropy(m, y);   // a per-window update: the window's own loss, unweighted
            m = m.detach().MoveToOuterDisposeScope();
            var grads = ps.Select(p => torch.zeros_like(p)).ToArray();
            Accumulate(grads, torch.autograd.grad([loss], c), input);
            update(grads, t);
            updates++;
        }
        return updates;
    }

    [Fact]
    public void Ottt_learns_above_chance()
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(512, seed: 2);
        using var test = TrainerTests.Bars(256, seed: 3);
        foreach (var online in new[] { false, true })
        {
            torch.manual_seed(1);
            var net = NetworkSpec.Build("4C3-P2-FC16-FC2", [1, 8, 8]);
            var trainer = new Trainer(net, TrainingPlan.Ottt(4, online), new TrainerOptions { BatchSize = 32, LearningRate = 1e-2, Epochs = 2, Seed = 5, MeasureMemory = false });
            var history = trainer.Fit(train.Encoded(), test.Encoded());
            // Chance is 50 %; the margin is 30 points.
            Assert.True(history.Last!.TestAccuracy > 0.8, $"{trainer.Plan}: test accuracy {history.Last.TestAccuracy:P1} (chance 50 %)");
        }
    }

    [Fact]
    public void Ottt_training_does_not_accumulate_live_tensors()
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(96, seed: 2);
        using var test = TrainerTests.Bars(40, seed: 3);
        var trainer = new Trainer(NetworkSpec.Build("4C3-P2-FC8-FC2", [1, 8, 8]), TrainingPlan.Ottt(4, online: true),
            new TrainerOptions { BatchSize = 16, Epochs = 1 });
        TrainerTests.AssertNoLiveTensorGrowth(trainer, train, test);
        Assert.False(trainer.Network.PresynapticTrace, "the knob holds only while the plan's step runs");
    }
}
