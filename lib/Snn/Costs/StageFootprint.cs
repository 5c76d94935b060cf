using Snn.Layers;

namespace Snn.Costs;

/// <summary>
/// What one stage keeps for backward per time step, for the whole batch, in bytes, by who holds it. Each stage runs in
/// its own dispose scope and only its output (stacked spikes or readout membranes) reaches the block's scope. Autograd
/// saves, and frees as backward passes the stage: the synapse output where batch norm or pooling needs it (once per
/// window for a constant input), batch norm's output where pooling follows it, max-pool indices (int64) and the LIF's
/// saved tensors. Backward makes the surrogate gradient, which the block's scope keeps.
/// </summary>
/// <param name="ScopeHeld">Held by the block's scope until the window's backward ends: the stage's output and, for a
/// spiking stage, the spike function's u−θ (saved in a TorchSharp autograd context, released with the graph, not as
/// backward passes the stage).</param>
/// <param name="SynapseSaved">Saved by autograd for the synapse side: synapse output copies for batch norm and pooling,
/// max-pool indices.</param>
/// <param name="NeuronSaved">Saved by autograd for the neuron (<see cref="CostOptions.LifSavedBytesPerNeuronStep"/> less
/// the u−θ counted in <paramref name="ScopeHeld"/>, plus u·(1−s) for a learnable β).</param>
/// <param name="BackwardHeld">Made by backward and kept by the block's scope: the surrogate gradient.</param>
internal sealed record StageFootprint(double ScopeHeld, double SynapseSaved, double NeuronSaved, double BackwardHeld)
{
    /// <summary>Autograd's saved tensors, freed as backward passes the stage.</summary>
    public double AutogradHeld { get; } = SynapseSaved + NeuronSaved;

    /// <summary>All the stage keeps per step (<see cref="StageCost.RetainedBytesPerStep"/>).</summary>
    public double Retained => ScopeHeld + AutogradHeld + BackwardHeld;

    /// <summary>The footprint of <paramref name="stage"/>; <paramref name="constantInput"/>: its synapse runs once per window.</summary>
    public static StageFootprint Of(StageDescription stage, double batch, double bytesPerElement, bool constantInput, CostOptions options)
    {
        double n = batch, b = bytesPerElement;
        var synapseCopies = (stage.BatchNorm ? 1 : 0) + (stage.Pool != PoolKind.None ? 1 : 0);
        return new StageFootprint(
            ScopeHeld: n * stage.Neurons * (b + (stage.IsSpiking ? b : 0)),
            SynapseSaved: n * ((constantInput ? 0 : stage.SynapseOutputs * b * synapseCopies) + (stage.Pool == PoolKind.Max ? stage.Neurons * 8 : 0)),
            NeuronSaved: n * (stage.IsSpiking ? stage.Neurons * (options.LifSavedBytesPerNeuronStep - b + (stage.NeuronParameters > 0 ? b : 0)) : 0),
            BackwardHeld: n * (stage.IsSpiking ? stage.Neurons * b : 0));
    }
}
