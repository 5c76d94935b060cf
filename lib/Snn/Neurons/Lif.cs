using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>How the membrane is reset after a spike.</summary>
public enum ResetMode
{
    /// <summary>u[t] = β·u[t−1]·(1 − s[t−1]) + I[t]: a spike sets the membrane to zero.</summary>
    Hard,
    /// <summary>u[t] = β·u[t−1] − θ·s[t−1] + I[t]: a spike subtracts the threshold.</summary>
    Soft,
}

/// <summary>Parameters of a leaky integrate-and-fire neuron (defaults: ../shared/design/paper.md).</summary>
public sealed record LifParameters
{
    /// <summary>Membrane leak β in (0, 1]; β = 1 is the IF neuron.</summary>
    public double Beta { get; init; } = 0.5;
    /// <summary>Firing threshold θ.</summary>
    public double Threshold { get; init; } = 0.5;
    public ResetMode Reset { get; init; } = ResetMode.Hard;
    /// <summary>Stop gradients through the reset term (the usual choice; Zenke &amp; Vogels 2021).</summary>
    public bool DetachReset { get; init; } = true;
    public Surrogate Surrogate { get; init; } = Surrogate.Default;
    /// <summary>
    /// Make β a trainable parameter of each <see cref="LifNeuron"/> (one scalar per layer, initialised to
    /// <see cref="Beta"/>, clamped to [0, 1] in the forward pass).
    /// </summary>
    public bool LearnableBeta { get; init; }

    public static LifParameters Default { get; } = new();

    /// <summary>Integrate-and-fire: LIF without leak (β = 1), otherwise the defaults.</summary>
    public static LifParameters IF { get; } = new() { Beta = 1.0 };

    /// <summary>Throws with the parameter name when a value is outside its valid range.</summary>
    public LifParameters Validated()
    {
        if (!(Beta > 0 && Beta <= 1)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "LIF leak β must be in (0, 1].");
        if (!(Threshold > 0)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "LIF threshold θ must be > 0.");
        return this;
    }
}

/// <summary>Membrane potential and last spikes of a layer of neurons (same shape).</summary>
public readonly record struct LifState(Tensor Membrane, Tensor Spikes);

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
