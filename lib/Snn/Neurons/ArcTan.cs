using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>∂s/∂u = (α/2) / (1 + (π/2·αx)²). Primitive: atan(π/2·αx)/π + 1/2 (SpikingJelly ATan).</summary>
public sealed class ArcTan(double alpha = 2.0) : Surrogate
{
    public double Alpha { get; } = alpha;
    public override string Name => "arctan";
    public override Tensor Primitive(Tensor x) => torch.atan(x * (Math.PI / 2 * Alpha)) / Math.PI + 0.5;
    public override Tensor Derivative(Tensor x) => (Alpha / 2) / (1.0 + (x * (Math.PI / 2 * Alpha)).square());
}
