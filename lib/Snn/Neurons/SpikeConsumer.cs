using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// The synapse that reads a fused LIF window's spikes, run inside the window's autograd node
/// (<see cref="LifNeuron.ForwardFeeding"/>): the window's float spikes then exist only inside that node, not as its output
/// too (TorchSharp's wrapper allocates an empty tensor the size of every output of a custom node when it returns), and in
/// backward the gradient of the spikes goes straight into the neuron's recurrence. The same operations on the same values
/// as the synapse's own node, so results are bitwise those of running the two one after the other.
/// </summary>
internal abstract class SpikeConsumer
{
    /// <summary>The tensors its output depends on besides the spikes (weight, bias; null entries allowed): inputs of the node.</summary>
    public abstract IReadOnlyList<Tensor?> Parameters { get; }

    /// <summary>
    /// The synapse's output on the window's <paramref name="spikes"/> [K, N, …], and the tensors its backward needs (saved
    /// with the node's own; none may be a view of the spikes, which the node frees; the spikes themselves come back in
    /// backward, see <see cref="Backward"/>).
    /// </summary>
    public abstract (Tensor Output, Tensor[] Saved) Forward(Tensor spikes);

    /// <summary>
    /// The gradient of the spikes (shaped as they were) and of each of <see cref="Parameters"/> (null where none) from the
    /// output's gradient, the tensors <see cref="Forward"/> saved and the window's spikes, which the window gives back step by
    /// step from what it keeps for its own backward; as tensors of the caller's scope.
    /// </summary>
    public abstract (Tensor Spikes, Tensor?[] Parameters) Backward(Tensor gradOutput, Tensor[] saved, SpikeSteps spikes);
}

/// <summary>
/// The spikes of <paramref name="pieces"/> (each: samples Sample … Sample + Count − 1 of step Step), stacked in that order
/// [Σ Count, …], as 0/1 in <paramref name="dtype"/>: a tensor of the caller's scope.
/// </summary>
internal delegate Tensor SpikeSteps(IReadOnlyList<(int Step, long Sample, long Count)> pieces, ScalarType dtype);
