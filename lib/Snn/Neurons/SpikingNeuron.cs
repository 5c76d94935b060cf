namespace Snn.Neurons;

/// <summary>
/// A layer of spiking neurons: input currents [K, N, …] → spikes [K, N, …] (0 or 1), state carried across calls.
/// A stage whose neuron derives from this type counts as spiking (firing rates, costs, local heads).
/// </summary>
public abstract class SpikingNeuron(string name) : StatefulModule(name);
