namespace Snn.Layers;

/// <summary>Pooling attached to a stage (after the synapse and batch norm, before the neuron).</summary>
public enum PoolKind { None, Max, Average }
