using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>Turns a batch of static inputs [N, …] into a sequence [T, N, …] for the first stage.</summary>
public interface IEncoder
{
    string Name { get; }
    Tensor Encode(Tensor input, int timeSteps);

    /// <summary>The per-step input shape the network sees for a dataset sample of shape <paramref name="sampleShape"/>.</summary>
    long[] StepShape(long[] sampleShape) => sampleShape;
}

/// <summary>
/// Direct (analog) encoding: the same input at every step. Returned as a stride-0 view, so no copy is
/// made and the first stage computes its synapse once.
/// </summary>
public sealed class DirectEncoder : IEncoder
{
    public string Name => "direct";

    public Tensor Encode(Tensor input, int timeSteps)
    {
        if (timeSteps < 1) throw new ArgumentOutOfRangeException(nameof(timeSteps), timeSteps, "Time steps must be ≥ 1.");
        return input.unsqueeze(0).expand([timeSteps, .. input.shape]);
    }
}

/// <summary>
/// Poisson (Bernoulli) rate coding: at each step a pixel of intensity x ∈ [0, 1] spikes with probability
/// x·<see cref="Gain"/>. Draws come from the encoder's own generator, so a given seed yields the same
/// sequence of spike trains regardless of other random calls (<see cref="Reseed"/> restarts it).
/// </summary>
public sealed class PoissonEncoder : IEncoder
{
    private readonly ulong seed;
    private torch.Generator? generator;

    public PoissonEncoder(ulong seed = 0, double gain = 1.0)
    {
        if (!(gain > 0)) throw new ArgumentOutOfRangeException(nameof(gain), gain, "Gain must be > 0.");
        this.seed = seed;
        Gain = gain;
    }

    public string Name => "poisson";
    public double Gain { get; }

    public Tensor Encode(Tensor input, int timeSteps)
    {
        if (timeSteps < 1) throw new ArgumentOutOfRangeException(nameof(timeSteps), timeSteps, "Time steps must be ≥ 1.");
        using var scope = torch.NewDisposeScope();
        var probability = (input * Gain).clamp(0.0, 1.0);
        // Generators are per device; draw on the CPU so the spike trains do not depend on the device.
        generator ??= new torch.Generator(seed);
        var draws = torch.rand([timeSteps, .. input.shape], dtype: ScalarType.Float32, generator: generator).to(input.device);
        return draws.lt(probability.unsqueeze(0)).to_type(input.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Restarts the random stream from the seed.</summary>
    public void Reseed() => generator = null;
}

/// <summary>
/// Latency (time-to-first-spike) coding: each pixel spikes once, at step round((1 − x)·(T − 1)) for
/// x ∈ [0, 1] — bright pixels first; pixels with x ≤ <see cref="Threshold"/> never spike. Deterministic.
/// </summary>
public sealed class LatencyEncoder(double threshold = 0.01) : IEncoder
{
    public double Threshold { get; } = threshold >= 0 && threshold < 1 ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Latency threshold must be in [0, 1).");
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
