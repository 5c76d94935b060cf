using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// The LIF recurrence of the fused windows (fixed β, detached reset) without autograd: one loop that the forward of
/// <see cref="LifWindowFunction"/> and the recomputing backward of <c>Layers.LinearLifWindowFunction</c> share, so a
/// recomputed window repeats the forward's arithmetic exactly. The arithmetic is <see cref="Lif.Step"/>'s, in its order.
/// </summary>
internal static class LifRecurrence
{
    /// <summary>
    /// Runs <paramref name="steps"/> steps, step t's current from <paramref name="current"/>, from the carried
    /// <paramref name="membrane"/> and <paramref name="lastSpikes"/> (null: at rest), writing the spikes into
    /// <paramref name="spikes"/> [steps, N, …]. <paramref name="observe"/> sees each step's u − θ and its spikes as bool
    /// (tensors of the step's scope). Returns the last membrane, a tensor of its own.
    /// </summary>
    public static Tensor Run(Func<int, Tensor> current, int steps, LifParameters p, Tensor? membrane, Tensor? lastSpikes, Tensor spikes,
        Action<int, Tensor, Tensor>? observe = null)
    {
        var hard = p.Reset == ResetMode.Hard;
        Tensor? u = null;          // the membrane, updated in place from the second step on
        Tensor? previous = null;   // the last step's spikes as bool
        for (var t = 0; t < steps; t++)
        {
            using var step = torch.NewDisposeScope();
            var input = current(t);
            if (u is null)
            {
                // From a carried state, the later steps' in-place arithmetic (below) on a copy of the membrane: one
                // membrane-sized tensor instead of four (1 − s, u·(1 − s), its ·β and the sum) held through the step.
                u = (membrane is null ? input.clone() : hard ? membrane.clone() : membrane * p.Beta).MoveToOuterDisposeScope();
                if (membrane is not null)
                {
                    if (hard)
                    {
                        using (var wasFired = lastSpikes!.ne(0.0)) u.masked_fill_(wasFired, 0.0);
                        u.mul_(p.Beta);
                    }
                    else
                    {
                        using var reset = lastSpikes! * p.Threshold;
                        u.sub_(reset);
                    }
                    u.add_(input);
                }
            }
            else if (hard)
            {
                // (u·(1 − s))·β + I: u·1 = u and u·0 = 0 exactly, so the masked fill is the same arithmetic.
                u.masked_fill_(previous!, 0.0);
                u.mul_(p.Beta);
                u.add_(input);
            }
            else
            {
                u.mul_(p.Beta);
                u.sub_(spikes[t - 1] * p.Threshold);
                u.add_(input);
            }
            var x = u - p.Threshold;
            var s = x.ge(0.0);
            spikes[t].copy_(s);
            observe?.Invoke(t, x, s);
            previous?.Dispose();
            previous = s.MoveToOuterDisposeScope();
        }
        previous?.Dispose();
        return u!;
    }
}
