using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>∂s/∂u = 1/w where |x| &lt; w/2, else 0 (STBP, Wu et al. 2018). Primitive: clamp(x/w + 1/2, 0, 1).</summary>
public sealed class Rectangular(double width = 1.0) : Surrogate
{
    public double Width { get; } = width > 0 ? width : throw new ArgumentOutOfRangeException(nameof(width), width, "Rectangular surrogate width must be > 0.");
    public override string Name => "rectangular";
    public override Tensor Primitive(Tensor x) => (x / Width + 0.5).clamp(0.0, 1.0);
    public override Tensor Derivative(Tensor x) => x.abs().lt_(Width / 2).div_(Width);   // in place: 1 or 0 in x's dtype, vectorised
}
