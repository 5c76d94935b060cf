namespace Snn.Neurons;

/// <summary>Parameters of a leaky integrate-and-fire neuron (the kit's defaults; docs/method.md).</summary>
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
