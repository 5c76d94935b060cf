using Snn.Neurons;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// A linear synapse on spikes as a <see cref="SpikeConsumer"/> of the fused LIF window before it: what
/// <see cref="SpikeLinearFunction"/> computes and keeps (the spikes as bool), on the window's spikes folded to
/// [K·N, in]. Made per call by <see cref="Stage"/>.
/// </summary>
internal sealed class SpikeLinearFeed(Tensor weight, Tensor? bias, ScalarType compute) : SpikeConsumer
{
    private long[]? shape;

    public override IReadOnlyList<Tensor?> Parameters => [weight, bias];

    public override (Tensor Output, Tensor[] Saved) Forward(Tensor spikes)
    {
        shape = spikes.shape;
        using var folded = spikes.reshape([shape[0] * shape[1], -1]);
        return (SpikeLinearFunction.Linear(folded, weight, bias, compute), [folded.ne(0.0), weight]);
    }

    public override (Tensor Spikes, Tensor?[] Parameters) Backward(Tensor gradOutput, Tensor[] saved)
    {
        var (input, gradWeight, gradBias) = SpikeLinearFunction.Gradients(saved[0], saved[1], gradOutput, compute, bias is not null);
        return (input.view(shape!), [gradWeight, gradBias]);
    }
}
