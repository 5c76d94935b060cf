using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch.nn.functional;

namespace Snn.Layers;

/// <summary>
/// A linear synapse and its LIF neuron over one window as one autograd node that recomputes instead of keeping
/// (<see cref="Stage.RecomputeSegment"/>): the forward runs the window in segments of S steps (the synapse's product
/// for S steps, then the recurrence over them) and keeps, besides its input and weights, only the membrane and spikes at
/// each segment border; the backward re-runs each segment, last first (the product and the recurrence of
/// <see cref="LifRecurrence"/>, the same arithmetic as the forward), backpropagates through it and adds the segment's
/// weight gradient. Neither the window's currents nor anything per neuron and step is kept: per step only the spikes
/// the caller holds. The cost: the synapse's forward product twice. The values are the unfused stage's up to the
/// rounding of the products split by segment (a product over S·N rows instead of K·N, the weight gradient summed over
/// segments). Fixed β, detached reset, a carried state without gradient history (gradients stop at the call's border,
/// as with <see cref="LifNeuron.Fused"/>). Call through <see cref="Run"/>.
/// </summary>
internal sealed class LinearLifWindowFunction : SingleTensorFunction<LinearLifWindowFunction>
{
    public override string Name => "SnnLinearLifWindow";

    /// <summary>
    /// Runs <paramref name="input"/> [K, N, in] through linear(<paramref name="weight"/>, <paramref name="bias"/>) and the
    /// LIF neuron from the carried <paramref name="membrane"/> and <paramref name="lastSpikes"/> (null: at rest; no gradient
    /// history) in segments of <paramref name="segment"/> steps. Returns the spikes [K, N, out] and the last membrane
    /// (without gradient history).
    /// </summary>
    public static (Tensor Spikes, Tensor Membrane) Run(Tensor input, Tensor weight, Tensor? bias, int segment, LifParameters p, Tensor? membrane,
        Tensor? lastSpikes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segment, 1);
        // Own scope: TorchSharp's node caches an empty tensor the size of its output; it goes with this scope.
        using var scope = torch.NewDisposeScope();
        var window = new Window(p, segment, membrane?.detach(), lastSpikes?.detach());
        var spikes = apply(input, weight, bias!, window);
        return (spikes.MoveToOuterDisposeScope(), window.Last!.MoveToOuterDisposeScope());
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        var w = (Window)vars[3];
        using var noGrad = torch.no_grad();
        var steps = (int)input.shape[0];
        long[] shape = [input.shape[1], weight.shape[0]];
        var spikes = torch.empty([steps, .. shape], dtype: input.dtype, device: input.device);
        var segments = Segments(steps, w.Segment);
        // The state entering each segment after the first: its membrane and the spikes of the step before.
        var borderMembranes = torch.empty([segments.Count - 1, .. shape], dtype: input.dtype, device: input.device);
        var borderSpikes = torch.empty([segments.Count - 1, .. shape], dtype: input.dtype, device: input.device);
        Tensor? u = w.Membrane, s = w.LastSpikes;
        for (var i = 0; i < segments.Count; i++)
        {
            using var segmentScope = torch.NewDisposeScope();
            var (start, count) = segments[i];
            if (i > 0)
            {
                borderMembranes[i - 1].copy_(u!);
                borderSpikes[i - 1].copy_(s!);
            }
            var currents = Currents(input, weight, bias, start, count);
            var next = LifRecurrence.Run(t => currents[t], count, w.Parameters, u, s, spikes.narrow(0, start, count));
            u = next.MoveToOuterDisposeScope();
            s = spikes[start + count - 1];
            s.MoveToOuterDisposeScope();
        }
        w.Last = u;
        ctx.save_for_backward([input, weight, bias!, w.Membrane!, w.LastSpikes!, borderMembranes, borderSpikes]);
        ctx.save_data("lif", (w.Parameters, w.Segment));
        ctx.set_materialize_grads(false);
        return spikes;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (input, weight, bias) = (saved[0], saved[1], GradientRelease.Defined(saved[2]));
        var (membrane, lastSpikes, borderMembranes, borderSpikes) = (GradientRelease.Defined(saved[3]), GradientRelease.Defined(saved[4]), saved[5], saved[6]);
        var (p, segment) = ((LifParameters, int))ctx.get_data("lif");
        var hard = p.Reset == ResetMode.Hard;
        var gradSpikes = GradientRelease.Defined(grad_output);
        if (gradSpikes is null)
        {
            GradientRelease.ReleaseReceived([grad_output!]);
            return [null!, null!, null!, null!];
        }
        var steps = (int)input.shape[0];
        var rows = input.shape[1];
        var features = input.shape[2];
        var gradInput = input.requires_grad ? torch.empty_like(input) : null;
        var gradWeight = torch.zeros_like(weight);
        var gradBias = bias is null ? null : torch.zeros_like(bias);
        var segments = Segments(steps, segment);
        Tensor? carry = null;   // the gradient reaching the membrane of the step after the current one
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            using var segmentScope = torch.NewDisposeScope();
            var (start, count) = segments[i];
            var (u, s) = i == 0 ? (membrane, lastSpikes) : (borderMembranes[i - 1], borderSpikes[i - 1]);
            var currents = Currents(input, weight, bias, start, count);
            var distance = torch.empty_like(currents);
            using (var spikes = torch.empty_like(currents))
            using (LifRecurrence.Run(t => currents[t], count, p, u, s, spikes, (t, x, _) => distance[t].copy_(x))) { }
            // The currents are spent: their storage takes the segment's current gradients.
            var gradCurrents = currents;
            for (var t = count - 1; t >= 0; t--)
            {
                using var step = torch.NewDisposeScope();
                var g = gradSpikes[start + t] * p.Surrogate.Derivative(distance[t]);
                if (carry is not null) g.add_(carry);
                gradCurrents[t].copy_(g);
                if (start + t == 0) break;   // the carried membrane has no gradient history
                var next = g.mul_(p.Beta);
                if (hard)
                {
                    // Where the neuron fired the step before, the reset passes no gradient: ·(1 − s), as the step's graph.
                    using var kept = t > 0 ? Firing.Kept(distance[t - 1]) : 1.0 - s!;
                    next.mul_(kept);
                }
                carry?.Dispose();
                carry = next.MoveToOuterDisposeScope();
            }
            carry?.MoveToOuterDisposeScope();
            var flat = gradCurrents.reshape(count * rows, weight.shape[0]);
            var x = input.narrow(0, start, count).reshape(count * rows, features);
            gradWeight.addmm_(flat.t(), x);
            gradBias?.add_(flat.sum([0L]));
            gradInput?.narrow(0, start, count).view(count * rows, features).copy_(flat.mm(weight));
        }
        carry?.Dispose();
        GradientRelease.ReleaseReceived([gradSpikes]);
        return [gradInput is null ? null! : GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()),
            GradientRelease.Returned(gradWeight.MoveToOuterDisposeScope()),
            gradBias is null ? null! : GradientRelease.Returned(gradBias.MoveToOuterDisposeScope()), null!];
    }

    // Step t's currents of the segment [start, start + count): one product over its count·N rows, [count, N, out].
    private static Tensor Currents(Tensor input, Tensor weight, Tensor? bias, int start, int count)
    {
        var rows = input.shape[1];
        return linear(input.narrow(0, start, count).reshape(count * rows, input.shape[2]), weight, bias).view(count, rows, weight.shape[0]);
    }

    private static List<(int Start, int Count)> Segments(int steps, int segment)
    {
        var list = new List<(int, int)>();
        for (var t = 0; t < steps; t += segment) list.Add((t, Math.Min(segment, steps - t)));
        return list;
    }

    /// <summary>The arguments of one window (the carried state has no gradient history) and, after the forward, its last membrane.</summary>
    private sealed record Window(LifParameters Parameters, int Segment, Tensor? Membrane, Tensor? LastSpikes)
    {
        public Tensor? Last { get; set; }
    }
}
