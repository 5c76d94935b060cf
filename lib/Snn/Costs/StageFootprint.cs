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
/// surrogate gradient that backward makes and the block's scope keeps. Besides, the transients of its forward and of
/// its neuron's backward (<see cref="ForwardPeak"/>, <see cref="NeuronBackward"/>).
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
    public double SpikeInputChunk { get; init; }

    /// <summary>
    /// Per step: the previous stage's float output while this stage's forward reads it, where this stage keeps it as bool or
    /// not at all (the presynaptic trace stands in for it; the trainer releases the float tensor after this forward); 0
    /// otherwise (a convolution keeps it: <see cref="SynapseSaved"/>).
    /// </summary>
    public double ForwardInput { get; init; }

    /// <summary>
    /// OTTT: the stage carries the presynaptic trace of its input and its synapse forms the weight gradient from it
    /// (<see cref="TraceStep"/>, <see cref="PeakMemoryModel.BackwardPhaseElements"/>).
    /// </summary>
    public bool Traced { get; init; }

    /// <summary>
    /// Per step: the trace â of the stage's input (float, input-sized). The carried one lives through the step (carried
    /// state, the tensor the synapse keeps for backward with K = 1); the stage's forward makes the new one while the old is
    /// still there. 0 without the trace.
    /// </summary>
    public double TraceStep { get; init; }

    /// <summary>
    /// Per step, held until the stage's forward returns (its own scope frees them then): the synapse output (not for a
    /// constant input: <see cref="ForwardOnce"/>) and, with max pooling, the pooled currents.
    /// </summary>
    public double ForwardPerStep { get; init; }

    /// <summary>
    /// Steps' worth of samples per call of the synapse and pooling when they run in chunks (<see cref="CostOptions.SynapseChunk"/>
    /// over the batch, fractional for chunks within a step; 0: the whole window): the synapse output of one chunk, not of
    /// the window, exists in forward and backward.
    /// </summary>
    public double ChunkSteps { get; init; }

    /// <summary>
    /// True when the stage's convolution runs on a channels-last copy of its input (<see cref="CostOptions.ConvolutionLayout"/>,
    /// more than one input channel): its autograd node keeps that copy (counted in <see cref="SynapseSaved"/> also where the
    /// planar input is held elsewhere; not for a constant input) and its backward makes no blocked copies.
    /// </summary>
    public bool ChannelsLast { get; init; }

    /// <summary>Per step: the synapse output, held while pooling runs (part of <see cref="ForwardPerStep"/>).</summary>
    public double SynapseOutputStep { get; init; }

    /// <summary>Per step: max pooling's winner byte (also part of <see cref="ScopeHeld"/>).</summary>
    public double PoolSaved { get; init; }

    /// <summary>
    /// Outputs of one sample's pooling: the scatter chunks of max pooling's backward are whole samples, as many as fit
    /// <see cref="MaxPoolFunction.ScatterChunkOutputs"/> (at least one).
    /// </summary>
    public double PoolSampleOutputs { get; init; }

    /// <summary>
    /// Max pooling's backward over <paramref name="steps"/> steps: the two int64 index tensors of one scatter chunk
    /// (<see cref="PoolSaved"/> is one byte per output).
    /// </summary>
    public double PoolScatter(double steps)
    {
        var chunk = Math.Max(1, Math.Floor(MaxPoolFunction.ScatterChunkOutputs / Math.Max(1, PoolSampleOutputs))) * PoolSampleOutputs;
        return 16 * Math.Min(chunk, steps * PoolSaved);
    }

    /// <summary>Once per window: the synapse output of a constant input (computed once and repeated).</summary>
    public double ForwardOnce { get; init; }

    /// <summary>True when the neuron runs the fused window (<see cref="CostOptions.LifSavedBytesPerNeuronStep"/>).</summary>
    public bool Fused { get; init; }

    /// <summary>True when the fused window keeps two-bit codes (less than a float per neuron and step: the rectangular surrogate).</summary>
    public bool CodesKept { get; init; }

    /// <summary>Bytes of one step of the stage's output for the batch, N·n·b.</summary>
    public double OutputStep { get; init; }

    /// <summary>Fused LIF: what its window keeps per step (<see cref="CostOptions.LifSavedBytesPerNeuronStep"/>), for the batch.</summary>
    public double WindowSaved { get; init; }

    /// <summary>
    /// True when the fused LIF window hands its spikes to the next stage's linear synapse inside its node
    /// (<c>Stage.ForwardFeeding</c>): at the window's end the float spikes are there once, not twice, and nothing keeps
    /// them (the synapse's backward reads them back from the window's codes).
    /// </summary>
    public bool FeedsNext { get; init; }

    /// <summary>True for a constant input: the synapse, pooling and the neuron's currents gradient are one step, not the window's.</summary>
    public bool ConstantInput { get; init; }

    /// <summary>
    /// The stage's own live bytes at the peak of its forward over a window of <paramref name="length"/> steps, what it keeps
    /// included (not the earlier stages' tensors nor <see cref="ForwardInput"/>). The fused LIF window allocates its spikes
    /// and saved tensors up front and holds during each step the membrane and u − θ, and where it keeps two-bit codes also
    /// the surrogate's window bit and the float sum of the step's code byte (4b per neuron; 2b without codes); when the node
    /// returns, TorchSharp's wrapper makes a tensor the size of the output (freed with the node's scope), so at the window's
    /// end the spikes are there twice, next to the new membrane. Within 4 % of the exact
    /// counter on W1–W3 for K = 1 … T. A per-step-graph neuron or the readout: its output and what its graph saves.
    /// </summary>
    public double ForwardPeak(double length)
    {
        double L = length, neuron = OutputStep / BytesPer;
        // In chunks: one chunk's synapse output, and the pooled currents twice while the chunks' outputs are joined.
        var perStep = ChunkSteps > 0
            ? L * (ForwardPerStep - SynapseOutputStep) * 2 + Math.Min(ChunkSteps, L) * SynapseOutputStep
            : L * ForwardPerStep;
        var held = ForwardOnce + perStep + L * (SynapseSaved + PoolSaved);
        if (!Fused) return Math.Max(L * TraceStep, held + L * (OutputStep + NeuronSaved + (NeuronSaved > 0 ? OutputStep : 0)));
        var window = L * (OutputStep + WindowSaved);
        // At the end: the spikes again (the wrapper's empty output), not when feeding the next synapse; the membrane.
        var end = window + (FeedsNext ? 0 : L * OutputStep) + OutputStep;
        // The new trace comes before the synapse runs, and the old one goes before the synapse output comes.
        return Math.Max(L * TraceStep, held + Math.Max(window + neuron * (CodesKept ? 4 : 2) * BytesPer, end));
    }

    /// <summary>
    /// The neuron phase of the stage's backward over <paramref name="length"/> steps: the gradient of its output and of its
    /// currents (one step for a constant input with the fused window) and, for the fused window, the neuron-sized tensors
    /// of a step of its backward loop, which works in place: the step's gradient, the carried one and the hard reset's
    /// factor 1 − s (three; the model takes the kit's default hard reset, a soft one has no factor); a one-step window
    /// carries none (one).
    /// </summary>
    public double NeuronBackward(double length) =>
        Fused ? length * OutputStep + (ConstantInput ? 1 : length) * OutputStep + (length > 1 ? 3 : 1) * OutputStep : 2 * length * OutputStep;

    /// <summary>Bytes per element the footprint was made with.</summary>
    public double BytesPer { get; init; } = 4;

    /// <summary>Autograd's saved tensors, freed as backward passes the stage.</summary>
    public double AutogradHeld { get; } = SynapseSaved + NeuronSaved;

    /// <summary>All the stage keeps per step (<see cref="StageCost.RetainedBytesPerStep"/>).</summary>
    public double Retained => ScopeHeld + AutogradHeld + BackwardHeld;

    /// <summary>
    /// The footprint of <paramref name="stage"/>; <paramref name="constantInput"/>: its synapse runs once per window;
    /// <paramref name="output"/>: who keeps its output; <paramref name="windowSteps"/>: the plan's window length K (the fused
    /// LIF's saved bytes per window are whole bytes); <paramref name="feedsNext"/>: its LIF window runs the next stage's
    /// synapse inside its node, and <paramref name="inputFed"/>: the previous stage's does so with this one's (its float input
    /// is never read outside that node); <paramref name="inputSavedBySynapse"/>: its synapse keeps the
    /// previous stage's output (a convolution on spikes of its own block); <paramref name="inputAsBits"/>: its linear
    /// synapse keeps the previous stage's spikes as bool; <paramref name="inputReleased"/>: the trainer releases the previous
    /// stage's float output once this forward has read it (kept as bool, or not kept: the trace); <paramref name="traced"/>:
    /// the presynaptic trace (OTTT).
    /// </summary>
    public static StageFootprint Of(StageDescription stage, double batch, double bytesPerElement, bool constantInput, CostOptions options,
        OutputHolder output = OutputHolder.Scope, bool inputSavedBySynapse = false, bool inputAsBits = false, bool inputReleased = false,
        bool traced = false, double windowSteps = 1, bool feedsNext = false, bool inputFed = false)
    {
        double n = batch, b = bytesPerElement;
        var perStepGraph = stage.IsSpiking && !stage.FusedNeuron;
        // Whole bytes per neuron and window (the fused LIF packs four steps' two-bit codes into a byte), spread over its steps.
        var lifSaved = Math.Ceiling(windowSteps * options.LifSavedBytesPerNeuronStep) / windowSteps;
        var neuron = !stage.IsSpiking ? 0 : perStepGraph ? b : lifSaved;
        var synapseOutput = n * stage.SynapseOutputs * b;
        var pooled = stage.Pool == PoolKind.None ? 0 : n * stage.Neurons * b;   // the pooled currents (the winner byte is ScopeHeld)
        var channelsLast = options.ConvolutionLayout == ConvolutionLayout.ChannelsLast && stage.Synapse == SynapseKind.Conv
            && Layers.ChannelsLast.Applies(stage.InputShape[0]);
        return new StageFootprint(
            ScopeHeld: n * stage.Neurons
                       * (output switch { OutputHolder.Scope => b, OutputHolder.Bits => 1, _ => 0 } + neuron + (stage.Pool == PoolKind.Max ? 1 : 0)),
            SynapseSaved: n * ((constantInput || !stage.BatchNorm ? 0 : stage.SynapseOutputs * b)
                               + (inputSavedBySynapse || (channelsLast && !constantInput) ? stage.InputSize * b : 0)),
            NeuronSaved: n * (perStepGraph ? stage.Neurons * (4 + b) : 0),
            BackwardHeld: n * (perStepGraph ? stage.Neurons * b : 0))
        {
            // Whole rows of the input, at most ChunkElements elements (at least one row).
            SpikeInputChunk = inputAsBits ? b * stage.InputSize * Math.Max(1, SpikeLinearFunction.ChunkElements / Math.Max(1, stage.InputSize)) : 0,
            ForwardInput = (inputAsBits || inputReleased) && !inputFed ? n * stage.InputSize * b : 0,
            FeedsNext = feedsNext,
            ChannelsLast = channelsLast,
            Traced = traced,
            TraceStep = traced ? n * stage.InputSize * b : 0,
            ForwardPerStep = constantInput ? 0 : synapseOutput + pooled,
            SynapseOutputStep = constantInput ? 0 : synapseOutput,
            ChunkSteps = options.SynapseChunk is { } chunk && !constantInput && stage.Pool != PoolKind.None && !stage.BatchNorm && !traced ? chunk / n : 0,
            PoolSaved = stage.Pool == PoolKind.Max ? n * stage.Neurons : 0,
            PoolSampleOutputs = stage.Pool == PoolKind.Max ? stage.Neurons : 0,
            ForwardOnce = constantInput ? synapseOutput + pooled : 0,
            Fused = stage.FusedNeuron,
            CodesKept = stage.FusedNeuron && options.LifSavedBytesPerNeuronStep < b,
            OutputStep = n * stage.Neurons * b,
            WindowSaved = stage.FusedNeuron ? n * stage.Neurons * lifSaved : 0,
            ConstantInput = constantInput,
            BytesPer = b,
        };
    }
}
