using Snn.Neurons;

namespace Snn.Networks;

/// <summary>Options shared by all stages of a network built from a spec.</summary>
public sealed record NetworkOptions
{
    public LifParameters Neuron { get; init; } = LifParameters.Default;
    /// <summary>Leak of the non-spiking readout integrator.</summary>
    public double ReadoutBeta { get; init; } = 0.5;
    /// <summary>
    /// tdBN's α: a <c>BN</c> token's scale γ starts at α·θ (Zheng et al. 2021), so normalised currents
    /// start with a standard deviation of α·θ around zero and a fraction of neurons fires from step one.
    /// </summary>
    public double BatchNormAlpha { get; init; } = 1.0;
    public static NetworkOptions Default { get; } = new();
}
