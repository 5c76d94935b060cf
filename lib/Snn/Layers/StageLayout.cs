namespace Snn.Layers;

/// <summary>
/// The geometry of one stage's synapse, recorded where it is built (the spec parser) so that the cost
/// model never has to inspect TorchSharp modules. Kernel/Stride/Padding are 1/1/0 for linear synapses;
/// <see cref="SynapseShape"/> is the synapse's output shape before pooling.
/// </summary>
public sealed record StageLayout(
    SynapseKind Synapse,
    int Kernel = 1,
    int Stride = 1,
    int Padding = 0,
    PoolKind Pool = PoolKind.None,
    int PoolSize = 1,
    bool BatchNorm = false,
    double Dropout = 0,
    long[]? SynapseShape = null);
