using TorchSharp;
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

/// <summary>∂s/∂u = 1/w where |x| &lt; w/2, else 0 (STBP, Wu et al. 2018). Primitive: clamp(x/w + 1/2, 0, 1).</summary>
public sealed class Rectangular(double width = 1.0) : Surrogate
{
    public double Width { get; } = width > 0 ? width : throw new ArgumentOutOfRangeException(nameof(width), width, "Rectangular surrogate width must be > 0.");
    public override string Name => "rectangular";
    public override Tensor Primitive(Tensor x) => (x / Width + 0.5).clamp(0.0, 1.0);
    public override Tensor Derivative(Tensor x) => x.abs().lt(Width / 2).to_type(x.dtype) / Width;
}

/// <summary>∂s/∂u = α·σ(αx)·(1 − σ(αx)). Primitive: σ(αx).</summary>
public sealed class SigmoidSurrogate(double alpha = 4.0) : Surrogate
{
    public double Alpha { get; } = alpha;
    public override string Name => "sigmoid";
    public override Tensor Primitive(Tensor x) => torch.sigmoid(x * Alpha);
    public override Tensor Derivative(Tensor x)
    {
        var s = torch.sigmoid(x * Alpha);
        return s * (1.0 - s) * Alpha;
    }
}

/// <summary>∂s/∂u = (α/2) / (1 + (π/2·αx)²). Primitive: atan(π/2·αx)/π + 1/2 (SpikingJelly ATan).</summary>
public sealed class ArcTan(double alpha = 2.0) : Surrogate
{
    public double Alpha { get; } = alpha;
    public override string Name => "arctan";
    public override Tensor Primitive(Tensor x) => torch.atan(x * (Math.PI / 2 * Alpha)) / Math.PI + 0.5;
    public override Tensor Derivative(Tensor x) => (Alpha / 2) / (1.0 + (x * (Math.PI / 2 * Alpha)).square());
}

/// <summary>
/// ∂s/∂u = 1 / (1 + k·|x|)² (SuperSpike; snnTorch's fast_sigmoid convention, slope k = 25).
/// Primitive: x / (1 + k·|x|) + 1/2 — its exact integral, so this surrogate is not unit-area (total 2/k).
/// </summary>
public sealed class FastSigmoid(double slope = 25.0) : Surrogate
{
    public double Slope { get; } = slope > 0 ? slope : throw new ArgumentOutOfRangeException(nameof(slope), slope, "Fast-sigmoid slope must be > 0.");
    public override string Name => "fast-sigmoid";
    public override Tensor Primitive(Tensor x) => x / (1.0 + x.abs() * Slope) + 0.5;
    public override Tensor Derivative(Tensor x) => 1.0 / (1.0 + x.abs() * Slope).square();
}

/// <summary>∂s/∂u = max(0, 1 − |x|/w)/w (triangle of half-width w, unit area). Primitive: its piecewise-quadratic integral.</summary>
public sealed class Triangular(double halfWidth = 1.0) : Surrogate
{
    public double HalfWidth { get; } = halfWidth > 0 ? halfWidth : throw new ArgumentOutOfRangeException(nameof(halfWidth), halfWidth, "Triangular surrogate half-width must be > 0.");
    public override string Name => "triangular";
    public override Tensor Primitive(Tensor x)
    {
        var z = (x / HalfWidth).clamp(-1.0, 1.0);
        // ∫ from −1 to z of (1 − |v|) dv = 1/2 + z − z·|z|/2
        return z - z * z.abs() / 2 + 0.5;
    }
    public override Tensor Derivative(Tensor x) => (1.0 - x.abs() / HalfWidth).clamp_min(0.0) / HalfWidth;
}
