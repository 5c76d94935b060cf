using static TorchSharp.torch;

namespace Snn.Neurons;

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
