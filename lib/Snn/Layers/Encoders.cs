using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>Turns a batch of static inputs [N, …] into a sequence [T, N, …] for the first stage.</summary>
public interface IEncoder
{
    string Name { get; }
    Tensor Encode(Tensor input, int timeSteps);
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
