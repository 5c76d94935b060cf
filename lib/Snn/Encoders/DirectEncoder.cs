using static TorchSharp.torch;

namespace Snn.Encoders;

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
