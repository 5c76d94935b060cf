using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>The pure LIF step: (input current, state, parameters) → (spikes, new state).</summary>
public static class Lif
{
    /// <summary>
    /// One time step. <paramref name="state"/> null means the resting state (u = 0, s = 0).
    /// <paramref name="beta"/>, when given (learnable β), replaces <see cref="LifParameters.Beta"/>.
    /// </summary>
    public static (Tensor Spikes, LifState State) Step(Tensor current, LifState? state, LifParameters p, Tensor? beta = null)
    {
        Tensor membrane;
        if (state is { } previous)
        {
            var lastSpikes = p.DetachReset ? previous.Spikes.detach() : previous.Spikes;
            membrane = p.Reset switch
            {
                ResetMode.Hard => Leak(previous.Membrane * (1.0 - lastSpikes), p, beta) + current,
                ResetMode.Soft => Leak(previous.Membrane, p, beta) - lastSpikes * p.Threshold + current,
                _ => throw new ArgumentOutOfRangeException(nameof(p), p.Reset, "Unknown reset mode."),
            };
        }
        else
        {
            membrane = current;
        }
        var spikes = p.Surrogate.Spike(membrane - p.Threshold);
        return (spikes, new LifState(membrane, spikes));
    }

    /// <summary>
    /// Runs one neuron over the input currents <paramref name="currents"/> (one per step) from rest and returns
    /// its membrane and spikes per step: for plots and hand checks.
    /// </summary>
    public static (double[] Membrane, double[] Spikes) Trace(IReadOnlyList<double> currents, LifParameters p)
    {
        ArgumentNullException.ThrowIfNull(currents);
        p = p.Validated();
        using var scope = torch.NewDisposeScope();
        LifState? state = null;
        var u = new double[currents.Count];
        var s = new double[currents.Count];
        for (var t = 0; t < currents.Count; t++)
        {
            (var spikes, var next) = Step(torch.tensor(new[] { currents[t] }, dtype: ScalarType.Float64), state, p);
            state = next;
            u[t] = next.Membrane.item<double>();
            s[t] = spikes.item<double>();
        }
        return (u, s);
    }

    private static Tensor Leak(Tensor membrane, LifParameters p, Tensor? beta) => beta is null ? membrane * p.Beta : membrane * beta;
}
