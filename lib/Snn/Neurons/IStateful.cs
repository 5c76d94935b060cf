using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>Anything that carries state across time: reset per sequence, detached at window borders.</summary>
public interface IStateful
{
    /// <summary>Forget all state (the next step starts from rest).</summary>
    void ResetState();
    /// <summary>Keep the state's values but cut its gradient history (truncation borders).</summary>
    void DetachState();
}
