using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>∂s/∂u = max(0, 1 − |x|/w)/w (triangle of half-width w, unit area). Primitive: its piecewise-quadratic integral.</summary>
public sealed class Triangular(double halfWidth = 1.0) : Surrogate
{
    public double HalfWidth { get; } = halfWidth > 0 ? halfWidth
        : throw new ArgumentOutOfRangeException(nameof(halfWidth), halfWidth, "Triangular surrogate half-width must be > 0.");
    public override string Name => "triangular";
    public override Tensor Primitive(Tensor x)
    {
        var z = (x / HalfWidth).clamp(-1.0, 1.0);
        // ∫ from −1 to z of (1 − |v|) dv = 1/2 + z − z·|z|/2
        return z - z * z.abs() / 2 + 0.5;
    }
    public override Tensor Derivative(Tensor x) => (1.0 - x.abs() / HalfWidth).clamp_min(0.0) / HalfWidth;
}
