namespace Snn.Layers;

/// <summary>
/// The arithmetic of a network's synapses (the conv/linear of every <see cref="Stage"/>), set on the network
/// (SpikingNetwork.Precision). Everything else (master weights, optimizer state, batch norm,
/// neuron state, surrogates, the loss, local heads) keeps the network's dtype.
/// </summary>
public enum SynapsePrecision
{
    /// <summary>The synapses compute in the parameters' dtype (float32, or float64 for gradient checks).</summary>
    Full,
    /// <summary>
    /// Mixed precision on a float32 network: the synapse casts its input, weight and bias to bfloat16, runs the
    /// matmul/conv and casts the result back to float32; the weight gradient reaches the master weight in float32.
    /// On the CPU only linear synapses do: libtorch's CPU bfloat16 convolution is wrong (docs/precision.md), so a conv
    /// synapse there stays float32.
    /// </summary>
    BFloat16,
}
