namespace Snn.Layers;

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

    /// <summary>
    /// True when the neuron runs the fused LIF window: a spiking stage without learnable neuron parameters (a neuron with
    /// them runs the per-step autograd graph).
    /// </summary>
    public bool FusedNeuron => IsSpiking && NeuronParameters == 0;
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
