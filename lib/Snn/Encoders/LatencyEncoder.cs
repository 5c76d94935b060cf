using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Encoders;

/// <summary>
/// Latency (time-to-first-spike) coding: each pixel spikes once, at step round((1 − x)·(T − 1)) for
/// x ∈ [0, 1] — bright pixels first; pixels with x ≤ <see cref="Threshold"/> never spike. Deterministic.
/// </summary>
public sealed class LatencyEncoder(double threshold = 0.01) : IEncoder
{
    public double Threshold { get; } = threshold >= 0 && threshold < 1 ? threshold
        : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Latency threshold must be in [0, 1).");
    public string Name => "latency";

    public Tensor Encode(Tensor input, int timeSteps)
    {
        if (timeSteps < 1) throw new ArgumentOutOfRangeException(nameof(timeSteps), timeSteps, "Time steps must be ≥ 1.");
        using var scope = torch.NewDisposeScope();
        var x = input.clamp(0.0, 1.0);
        var when = ((1.0 - x) * (timeSteps - 1)).round().to_type(ScalarType.Int64);
        var steps = torch.arange(timeSteps, device: input.device).reshape([timeSteps, .. Enumerable.Repeat(1L, (int)input.dim())]);
        var spikes = steps.eq(when.unsqueeze(0)).logical_and(x.gt(Threshold).unsqueeze(0));
        return spikes.to_type(input.dtype).MoveToOuterDisposeScope();
    }
}
