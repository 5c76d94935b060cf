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
    /// <paramref name="spikes"/> [steps, N, …]. <paramref name="observe"/> sees each step's u − θ and its spikes (0 or 1 in
    /// the membrane's dtype; tensors of the step's scope). Returns the last membrane, a tensor of its own.
    /// Every op is a float op in place: libtorch's CPU kernels for bool results and masked fills run element by element,
    /// 5–30× slower than its vectorised float kernels (a W1 step spent a quarter of its time in the reset's masked fill).
    /// </summary>
    public static Tensor Run(Func<int, Tensor> current, int steps, LifParameters p, Tensor? membrane, Tensor? lastSpikes, Tensor spikes,
        Action<int, Tensor, Tensor>? observe = null)
    {
        var hard = p.Reset == ResetMode.Hard;
        Tensor? u = null;   // the membrane, updated in place from the second step on
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
                        using (var kept = 1.0 - lastSpikes!) u.mul_(kept);
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
                // (u·(1 − s))·β + I, as the step's graph computes it.
                using (var previous = spikes[t - 1])
                using (var kept = 1.0 - previous) u.mul_(kept);
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
            var s = Firing.Spikes(x, into: spikes[t]);
            observe?.Invoke(t, x, s);
        }
        return u!;
    }
}
