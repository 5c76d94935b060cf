using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Snn.Neurons;

/// <summary>
/// The LIF recurrence over one window as a single autograd node: a forward loop over the K steps and a hand-written
/// backward, for fixed β with the reset path detached (hard or soft reset) and a carried state without gradient history;
/// the last membrane it returns has none either.
/// Per neuron and step it keeps only what its backward reads: with the rectangular surrogate its window (exact) and,
/// for a hard reset, the spike, as bool; with another surrogate u − θ in the input's dtype (the spike is its sign).
/// The per-step graph of <see cref="Lif.Step"/> keeps about 12 bytes instead. The arithmetic is that graph's, in the
/// same order, so spikes and gradients are the same; only a constant input's gradient (one current repeated over the
/// window) is summed over the steps in a different order. Call through <see cref="Run"/>.
/// </summary>
internal sealed class LifWindowFunction : SingleTensorFunction<LifWindowFunction>
{
    public override string Name => "SnnLifWindow";

    /// <summary>
    /// Runs <paramref name="steps"/> steps on <paramref name="currents"/> ([K, N, …], or [N, …] repeated at every step when
    /// <paramref name="constant"/>) from the carried <paramref name="membrane"/> and <paramref name="lastSpikes"/> (null: at
    /// rest; they must not require gradients). Returns the spikes [K, N, …] and the last membrane [N, …].
    /// </summary>
    public static (Tensor Spikes, Tensor Membrane) Run(Tensor currents, int steps, bool constant, LifParameters p, Tensor? membrane, Tensor? lastSpikes)
    {
        var save = torch.is_grad_enabled() && currents.requires_grad;
        // Own scope: TorchSharp's node caches an empty tensor the size of each output; they go with this scope.
        using var scope = torch.NewDisposeScope();
        var window = new Window(p, steps, constant, membrane, lastSpikes, save);
        var spikes = apply(currents, window);
        return (spikes.MoveToOuterDisposeScope(), window.Last!.MoveToOuterDisposeScope());
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var currents = (Tensor)vars[0];
        var w = (Window)vars[1];
        var p = w.Parameters;
        var rectangular = p.Surrogate as Rectangular;
        var hard = p.Reset == ResetMode.Hard;
        long[] shape = w.Constant ? currents.shape : currents.shape[1..];
        var dtype = currents.dtype;
        var device = currents.device;
        var spikes = torch.empty([w.Steps, .. shape], dtype: dtype, device: device);
        Tensor? fired = w.Save && hard && rectangular is not null ? torch.empty([w.Steps, .. shape], dtype: ScalarType.Bool, device: device) : null;
        Tensor? inWindow = w.Save && rectangular is not null ? torch.empty([w.Steps, .. shape], dtype: ScalarType.Bool, device: device) : null;
        Tensor? distance = w.Save && rectangular is null ? torch.empty([w.Steps, .. shape], dtype: dtype, device: device) : null;
        Tensor? u = null;          // the membrane, updated in place from the second step on
        Tensor? previous = null;   // the last step's spikes as bool
        for (var t = 0; t < w.Steps; t++)
        {
            using var step = torch.NewDisposeScope();
            var current = w.Constant ? currents : currents[t];
            if (u is null)
            {
                // From a carried state, the later steps' in-place arithmetic (below) on a copy of the membrane: one
                // membrane-sized tensor instead of four (1 − s, u·(1 − s), its ·β and the sum) held through the step.
                u = (w.Membrane is null ? current.clone() : hard ? w.Membrane.clone() : w.Membrane * p.Beta).MoveToOuterDisposeScope();
                if (w.Membrane is not null)
                {
                    if (hard)
                    {
                        using (var wasFired = w.LastSpikes!.ne(0.0)) u.masked_fill_(wasFired, 0.0);
                        u.mul_(p.Beta);
                    }
                    else
                    {
                        using var reset = w.LastSpikes! * p.Threshold;
                        u.sub_(reset);
                    }
                    u.add_(current);
                }
            }
            else if (hard)
            {
                // (u·(1 − s))·β + I: u·1 = u and u·0 = 0 exactly, so the masked fill is the same arithmetic.
                u.masked_fill_(previous!, 0.0);
                u.mul_(p.Beta);
                u.add_(current);
            }
            else
            {
                u.mul_(p.Beta);
                u.sub_(spikes[t - 1] * p.Threshold);
                u.add_(current);
            }
            var x = u - p.Threshold;
            var s = x.ge(0.0);
            spikes[t].copy_(s);
            fired?[t].copy_(s);
            inWindow?[t].copy_(x.abs().lt(rectangular!.Width / 2));
            distance?[t].copy_(x);
            previous?.Dispose();
            previous = s.MoveToOuterDisposeScope();
        }
        previous?.Dispose();
        if (w.Save)
        {
            ctx.save_for_backward([fired!, inWindow!, distance!]);
            ctx.save_data("lif", new Saved(p, w.Steps, w.Constant, shape, dtype));
            ctx.set_materialize_grads(false);
        }
        w.Last = u;
        return spikes;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (fired, inWindow, distance) = (saved[0], saved[1], saved[2]);
        var info = (Saved)ctx.get_data("lif");
        var p = info.Parameters;
        var rectangular = p.Surrogate as Rectangular;
        var hard = p.Reset == ResetMode.Hard;
        var gradSpikes = Defined(grad_output);
        var device = gradSpikes?.device ?? torch.CPU;
        var gradInput = info.Constant
            ? torch.zeros(info.Shape, dtype: info.DType, device: device)
            : torch.empty([info.Steps, .. info.Shape], dtype: info.DType, device: device);
        Tensor? carry = null;   // the gradient reaching u[t] from later steps through the recurrence
        for (var t = info.Steps - 1; t >= 0; t--)
        {
            using var step = torch.NewDisposeScope();
            Tensor? g = null;
            if (gradSpikes is not null)
            {
                var derivative = rectangular is not null ? inWindow![t].to_type(info.DType) / rectangular.Width : p.Surrogate.Derivative(distance![t]);
                g = gradSpikes[t] * derivative;
            }
            if (carry is not null) g = g is null ? carry.alias() : g + carry;
            if (g is null)
            {
                if (!info.Constant) gradInput[t].zero_();
                continue;
            }
            if (info.Constant) gradInput.add_(g);
            else gradInput[t].copy_(g);
            if (t == 0) break;
            // Into u[t − 1] through (u·(1 − s))·β (hard) or u·β − s·θ (soft, the s term detached).
            var next = g * p.Beta;
            if (hard) next.masked_fill_(fired?[t - 1] ?? distance![t - 1].ge(0.0), 0.0);
            carry?.Dispose();
            carry = next.MoveToOuterDisposeScope();
        }
        GradientRelease.ReleaseReceived([grad_output]);
        return [GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()), null!];
    }

    private static Tensor? Defined(Tensor? t) => t is null || t.IsInvalid ? null : t;

    /// <summary>
    /// The arguments of one window (not tensors of the graph: the carried state has no gradient history) and, after the
    /// forward, its last membrane. That is not an output of the node: an output that gets no gradient reaches backward
    /// as an undefined tensor that TorchSharp's scope statistics count as live forever. So the membrane leaves without
    /// gradient history (<see cref="LifNeuron"/> refuses to backpropagate across calls through it).
    /// </summary>
    private sealed record Window(LifParameters Parameters, int Steps, bool Constant, Tensor? Membrane, Tensor? LastSpikes, bool Save)
    {
        public Tensor? Last { get; set; }
    }

    /// <summary>What backward needs besides the saved tensors.</summary>
    private sealed record Saved(LifParameters Parameters, int Steps, bool Constant, long[] Shape, ScalarType DType);
}
