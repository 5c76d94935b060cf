using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

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
