using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// A linear synapse on spikes as a <see cref="SpikeConsumer"/> of the fused LIF window before it: what
/// <see cref="SpikeLinearFunction"/> computes, on the window's spikes folded to [K·N, in], except that it keeps nothing of
/// the spikes: its weight gradient reads them back from the window's own saved codes. Made per call by <see cref="Stage"/>.
/// </summary>
internal sealed class SpikeLinearFeed(Tensor weight, Tensor? bias, ScalarType compute) : SpikeConsumer
{
    private long[]? shape;

    public override IReadOnlyList<Tensor?> Parameters => [weight, bias];

    public override (Tensor Output, Tensor[] Saved) Forward(Tensor spikes)
    {
        shape = spikes.shape;
        using var folded = spikes.reshape([shape[0] * shape[1], -1]);
        return (SpikeLinearFunction.Linear(folded, weight, bias, compute), [weight]);
    }

    public override (Tensor Spikes, Tensor?[] Parameters) Backward(Tensor gradOutput, Tensor[] saved, SpikeSteps spikes)
    {
        var (steps, batch) = (shape![0], shape[1]);
        var width = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        // Rows r … r + n − 1 of the folded [K·N, in] spikes: the samples of the steps they span.
        Tensor Rows(long r, long n)
        {
            var pieces = new List<(int, long, long)>();
            for (var row = r; row < r + n;)
            {
                var (t, sample) = (row / batch, row % batch);
                var count = Math.Min(batch - sample, r + n - row);
                pieces.Add(((int)t, sample, count));
                row += count;
            }
            return spikes(pieces, compute).reshape([n, width]);
        }
        var (input, gradWeight, gradBias) = SpikeLinearFunction.Gradients(steps * batch, width, Rows, saved[0], gradOutput, compute, bias is not null);
        return (input.view(shape), [gradWeight, gradBias]);
    }
}
