using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>Membrane potential and last spikes of a layer of neurons (same shape).</summary>
public readonly record struct LifState(Tensor Membrane, Tensor Spikes);
