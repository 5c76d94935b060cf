using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// A surrogate gradient for the Heaviside spike: forward is H(x) with x = u − θ, backward uses
/// <see cref="Derivative"/>. Each surrogate exposes its smooth <see cref="Primitive"/> (a sigmoid-like
/// step whose derivative is the surrogate), used for plots and for gradient checks.
/// </summary>
public abstract class Surrogate
{
    /// <summary>Short name used in specs, charts and results (e.g. "rectangular").</summary>
    public abstract string Name { get; }

    /// <summary>Smooth step approximating H(x); its derivative is <see cref="Derivative"/>.</summary>
    public abstract Tensor Primitive(Tensor x);

    /// <summary>The surrogate ∂s/∂u evaluated at x = u − θ.</summary>
    public abstract Tensor Derivative(Tensor x);

    /// <summary>Heaviside spike with this surrogate in the backward pass.</summary>
    public Tensor Spike(Tensor x) => SpikeFunction.apply(x, this);

    public override string ToString() => Name;

    /// <summary>The kit's default: rectangular window of width 1 (STBP).</summary>
    public static Surrogate Default { get; } = new Rectangular();
}
