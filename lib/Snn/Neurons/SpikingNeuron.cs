using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// A layer of spiking neurons: input currents [K, N, …] → spikes [K, N, …] (0 or 1), state carried across calls.
/// A stage whose neuron derives from this type counts as spiking (firing rates, costs, local heads).
/// </summary>
public abstract class SpikingNeuron(string name) : StatefulModule(name)
{
    /// <summary>
    /// The same current [N, …] at each of <paramref name="steps"/> steps (a constant input): spikes [K, N, …]. By default
    /// <see cref="nn.Module{T, TResult}.forward"/> on the current repeated over time; a neuron may avoid materialising
    /// the repeated current and its gradient.
    /// </summary>
    public virtual Tensor ForwardRepeated(Tensor current, int steps) => forward(current.unsqueeze(0).expand([steps, .. current.shape]));
}
