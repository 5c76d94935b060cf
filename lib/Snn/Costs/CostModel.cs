using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// Analytic costs of one training step (forward over T steps, backward, optimizer steps) of a network
/// described by <see cref="StageDescription"/>s under a <see cref="TrainingPlan"/>. Accounting
/// (docs/costs.md):
/// <list type="bullet">
/// <item>Ops are per sample per step: a synapse does numel(synapse output)·fan-in products. Forward of
/// layer 1 with analog input is MAC; every other forward product has a binary spike operand and is an
/// AC (scaled by the input's firing rate when rates are given, dense otherwise). Weight-gradient
/// products dW = δ·xᵀ are ACs for spike inputs and MACs for the analog layer 1. Error propagation
/// δ_in = Wᵀδ is MAC and only exists where the stage's input carries a gradient: not into layer 1 and
/// not across a block boundary (local training cuts it). Truncation does not change op counts (every
/// step is still backpropagated once); SLTT-K backpropagates k of the T steps, so its backward ops and traffic
/// are k/T of SLTT's. OTTT's traced synapses form dW = δ·âᵀ from the real-valued trace â: MACs, not ACs.
/// Local heads (global average pool → linear on the window mean)
/// add forward, error-propagation and weight-gradient MACs once per window. The optimizer costs
/// <see cref="CostOptions.OptimizerMacsPerParameter"/> MACs per parameter per update (Adam 4 by default;
/// <see cref="CostOptions.WithOptimizer"/> for SGD); per-window updates
/// (the plan's default) update every block once per window. Element-wise neuron, pooling and
/// normalisation arithmetic is not counted.</item>
/// <item>Memory access (bytes read + written): weights are read once per window per stage in forward and
/// again in error propagation (the stage runs time-folded over a window); weight gradients are read and
/// written once per window; Adam reads w, g, m, v and writes w, m, v per update; activations: forward
/// reads inputs and writes synapse outputs, pooled outputs and spikes, and the neuron reads/writes its
/// membrane per step; backward reads what was retained and writes the gradients of outputs, currents and
/// (with error propagation) inputs; a traced synapse's trace update reads â and x and writes â per step, and its
/// weight gradient reads â.</item>
/// <item>Retained for backward: <see cref="CostReport.RetainedActivationBytes"/> = max over blocks of
/// K × N × Σ(block's per-step retained bytes) — BPTT ~ T·Σ stages, truncation ~ K·Σ, local ~ T·max
/// block, combined ~ K·max block. Per step a stage keeps its output (stacked spikes or readout membranes; spikes read by
/// a linear synapse of the same block as bool), the synapse output where batch norm saves it, the max-pool winner (one
/// byte per output) and its neuron's saved tensors (<see cref="CostOptions.LifSavedBytesPerNeuronStep"/>; a learnable β
/// runs the per-step graph, which keeps more, and the surrogate gradient).
/// <see cref="CostReport.PeakStepBytes"/> is what a memory meter sees for a step after warm-up: the heaviest block's
/// live bytes at its worst moment — during a stage's forward (<see cref="StageFootprint.ForwardPeak"/>), during
/// backward (the scope-held forward tensors, autograd's saved tensors of the stages not yet passed, surrogate gradients
/// so far, and the current stage's <see cref="StageFootprint.NeuronBackward"/> or
/// <see cref="PeakMemoryModel.BackwardPhaseElements"/>) or during the update (the optimizer's temporary,
/// <see cref="CostOptions.OptimizerChunkElements"/>) — plus the
/// outputs of earlier blocks of the window (kept until the window ends), the encoded input of all T steps and the
/// carried neuron state (and OTTT's traces). SLTT-K's untaken steps run forward only; with k = 1 its one backward finds
/// no weight gradient to add into. It is relative to the memory before the step, which already holds the weight gradients of
/// the previous step (zero_grad(set_to_none) frees them, backward stores new ones).
/// <see cref="CostReport.BackwardTransientBytes"/> is that worst moment minus the block's retained bytes.
/// <see cref="CostReport.PersistentBytes"/>: weights, gradients and optimizer state (<see cref="CostOptions.OptimizerStateTensors"/>) of
/// network and heads, which do
/// not shrink with K or B. Checked against the exact allocation counter of <see cref="Snn.Measurement.MemoryMeter"/> by `snn bench`.</item>
/// </list>
/// Two models share one <see cref="StageFootprint"/> per stage (what it keeps per step, by who holds it):
/// <see cref="OperationModel"/> (ops and traffic, the <see cref="StageCost"/>s) and <see cref="PeakMemoryModel"/>
/// (retained, peak-step and persistent bytes).
/// </summary>
public static class CostModel
{
    public static CostReport Estimate(IReadOnlyList<StageDescription> stages, TrainingPlan plan, int batch, CostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(plan);
        if (stages.Count == 0) throw new ArgumentException("The cost model needs at least one stage.", nameof(stages));
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch size must be ≥ 1.");
        var o = (options ?? CostOptions.Default).Validated();
        if (o.FiringRates is { } fr && fr.Count != stages.Count)
            throw new ArgumentException($"FiringRates has {fr.Count} entries; the network has {stages.Count} stages (give 0 for the readout).",
                nameof(options));
        var layout = new StepLayout(stages, plan.ValidatedFor(stages.Count), batch, o);
        // Inside a block a stage's output is released once the next stage has read it: a linear synapse on spikes keeps a
        // bool copy until the graph goes, a convolution keeps the float tensor until its backward has passed. The last
        // stage of a block keeps its output in the block's scope (the loss and the next block read it).
        bool InBlockNext(int i) => i + 1 < stages.Count && layout.BlockOf[i + 1] == layout.BlockOf[i];
        // A traced synapse (OTTT) keeps neither: it reads the previous stage's output, then keeps the trace it carries.
        bool KeptAsBits(int i) => InBlockNext(i) && !layout.Traced[i + 1] && stages[i].IsSpiking && stages[i].Dropout == 0
            && stages[i + 1].Synapse == SynapseKind.Linear
            && SpikeLinearFunction.Pays(layout.K * layout.N * stages[i].Neurons, stages[i + 1].Weights);   // the stage's own rule (full precision)
        // A fused LIF window whose spikes a linear synapse of its block would keep as bool runs that synapse inside its node (the
        // trainer's Stage.ForwardFeeding), which reads them back from the window's codes: nothing keeps them.
        bool Feeds(int i) => KeptAsBits(i) && stages[i].FusedNeuron && !layout.Traced[i];
        var footprints = stages.Select((st, i) => StageFootprint.Of(st, layout.N, layout.BytesPerElement, constantInput: i == 0 && o.InputConstantOverTime, o,
            output: !InBlockNext(i) ? OutputHolder.Scope : Feeds(i) ? OutputHolder.Codes : KeptAsBits(i) ? OutputHolder.Bits : OutputHolder.NextSynapse,
            inputSavedBySynapse: i > 0 && InBlockNext(i - 1) && !KeptAsBits(i - 1) && !layout.Traced[i], inputAsBits: i > 0 && KeptAsBits(i - 1),
            inputReleased: i > 0 && InBlockNext(i - 1) && layout.Traced[i], traced: layout.Traced[i], windowSteps: layout.K,
            feedsNext: Feeds(i), inputFed: i > 0 && Feeds(i - 1))).ToList();
        var heads = HeadCost.Of(layout);
        var costs = OperationModel.Costs(layout, footprints, heads);
        var memory = PeakMemoryModel.Estimate(layout, footprints, heads);
        return new CostReport(layout.Plan, batch, costs, memory.Retained, memory.PeakStep, memory.Persistent,
            memory.EncodedInput, memory.CarriedState, memory.BackwardTransient, memory.BlockOutputs, o);
    }

    /// <summary>Relative change (new − baseline) / baseline, e.g. −0.8994 for the paper's memory figure.</summary>
    public static double Change(double value, double baseline) => baseline == 0 ? 0 : (value - baseline) / baseline;
}
