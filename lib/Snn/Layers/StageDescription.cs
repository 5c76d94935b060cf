namespace Snn.Layers;

/// <summary>Kind of a stage's synapse.</summary>
public enum SynapseKind { Conv, Linear }

/// <summary>Pooling attached to a stage (after the synapse and batch norm, before the neuron).</summary>
public enum PoolKind { None, Max, Average }

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

/// <summary>
/// One stage described for the cost model (per sample, per time step). Shapes exclude time and batch.
/// <see cref="SynapseShape"/> is the synapse's output before pooling; <see cref="OutputShape"/> the
/// neuron's. <see cref="FanIn"/> = inputs per synapse output (C_in·k·k or in-features);
/// <see cref="SynapseMacs"/> = numel(SynapseShape)·FanIn multiply-accumulates of the synapse for one
/// sample and step (whether they are MACs or ACs depends on the input being analog or spikes).
/// </summary>
public sealed record StageDescription(
    int Index,
    string Name,
    string Spec,
    SynapseKind Synapse,
    long[] InputShape,
    long[] SynapseShape,
    long[] OutputShape,
    long Weights,
    long Biases,
    long NormParameters,
    long NeuronParameters,
    long FanIn,
    int Kernel,
    int Stride,
    int Padding,
    PoolKind Pool,
    int PoolSize,
    bool BatchNorm,
    double Dropout,
    bool IsSpiking)
{
    public long Parameters => Weights + Biases + NormParameters + NeuronParameters;
    public long InputSize => InputShape.Aggregate(1L, (a, b) => a * b);
    public long Neurons => OutputShape.Aggregate(1L, (a, b) => a * b);
    public long SynapseOutputs => SynapseShape.Aggregate(1L, (a, b) => a * b);
    public long SynapseMacs => SynapseOutputs * FanIn;

    public override string ToString() =>
        $"{Index} {Spec}: {Synapse} [{string.Join("×", InputShape)}] → [{string.Join("×", SynapseShape)}]"
        + (Pool == PoolKind.None ? "" : $" → {Pool}{PoolSize} [{string.Join("×", OutputShape)}]")
        + $", k{Kernel} s{Stride} p{Padding}, fan-in {FanIn}, {Parameters:N0} params, {SynapseMacs:N0} synapse MACs/step"
        + (BatchNorm ? ", BN" : "") + (Dropout > 0 ? $", dropout {Dropout}" : "") + (IsSpiking ? "" : ", readout");
}
