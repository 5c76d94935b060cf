using Snn.Layers;

namespace Snn.Costs;

/// <summary>
/// What one stage keeps for backward per time step, for the whole batch, in bytes, by who holds it. Each stage runs in
/// its own dispose scope and only its output (stacked spikes or readout membranes) leaves it; the trainer releases it
/// once the next stage of the block has read it (<see cref="OutputHolder"/>): a linear synapse on spikes keeps them as
/// bool, a convolution keeps the float tensor (counted as that stage's <paramref name="SynapseSaved"/>). The kit's own autograd nodes
/// (the fused LIF window, max pooling) keep their compact tensors until the block's graph goes: the LIF
/// <see cref="CostOptions.LifSavedBytesPerNeuronStep"/>, max pooling one byte per output. Autograd saves, and frees as
/// backward passes the stage, the synapse output where batch norm needs it (none for a constant input). A learnable β
/// runs the per-step graph: u − θ (held with the graph), 1 − s and u·(1 − s) (freed as backward passes), and the
/// surrogate gradient that backward makes and the block's scope keeps.
/// </summary>
/// <param name="ScopeHeld">Held until the window's backward ends: the stage's output (last stage of a block) or its bool
/// copy, and the compact tensors of the kit's autograd nodes.</param>
/// <param name="SynapseSaved">Saved by autograd for the synapse side: the previous stage's spikes a convolution of the
/// same block reads, the synapse output for batch norm.</param>
/// <param name="NeuronSaved">Saved by autograd for a per-step-graph neuron (learnable β).</param>
/// <param name="BackwardHeld">Made by backward and kept by the block's scope: the per-step graph's surrogate gradient.</param>
internal sealed record StageFootprint(double ScopeHeld, double SynapseSaved, double NeuronSaved, double BackwardHeld)
{
    /// <summary>
    /// Bytes of the spike input a linear synapse on bool-kept spikes expands back to floats at a time during its backward
    /// (<see cref="SpikeLinearFunction.ChunkElements"/>); 0 for other synapses.
    /// </summary>
    public double SynapseChunk { get; init; }

    /// <summary>Autograd's saved tensors, freed as backward passes the stage.</summary>
    public double AutogradHeld { get; } = SynapseSaved + NeuronSaved;

    /// <summary>All the stage keeps per step (<see cref="StageCost.RetainedBytesPerStep"/>).</summary>
    public double Retained => ScopeHeld + AutogradHeld + BackwardHeld;

    /// <summary>
    /// The footprint of <paramref name="stage"/>; <paramref name="constantInput"/>: its synapse runs once per window;
    /// <paramref name="output"/>: who keeps its output; <paramref name="inputSavedBySynapse"/>: its synapse keeps the
    /// previous stage's output (a convolution on spikes of its own block).
    /// </summary>
    public static StageFootprint Of(StageDescription stage, double batch, double bytesPerElement, bool constantInput, CostOptions options,
        OutputHolder output = OutputHolder.Scope, bool inputSavedBySynapse = false, bool inputAsBits = false)
    {
        double n = batch, b = bytesPerElement;
        var perStepGraph = stage.IsSpiking && stage.NeuronParameters > 0;
        var neuron = !stage.IsSpiking ? 0 : perStepGraph ? b : options.LifSavedBytesPerNeuronStep;
        return new StageFootprint(
            ScopeHeld: n * stage.Neurons * (output switch { OutputHolder.Scope => b, OutputHolder.Bits => 1, _ => 0 } + neuron + (stage.Pool == PoolKind.Max ? 1 : 0)),
            SynapseSaved: n * ((constantInput || !stage.BatchNorm ? 0 : stage.SynapseOutputs * b) + (inputSavedBySynapse ? stage.InputSize * b : 0)),
            NeuronSaved: n * (perStepGraph ? stage.Neurons * (4 + b) : 0),
            BackwardHeld: n * (perStepGraph ? stage.Neurons * b : 0))
        {
            // Whole rows of the input, at most ChunkElements elements (at least one row).
            SynapseChunk = inputAsBits ? b * stage.InputSize * Math.Max(1, SpikeLinearFunction.ChunkElements / Math.Max(1, stage.InputSize)) : 0,
        };
    }
}
