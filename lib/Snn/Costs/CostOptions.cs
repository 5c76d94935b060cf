using Snn.Layers;
using Snn.Optimization;

namespace Snn.Costs;

/// <summary>Knobs of the cost model; defaults follow the accounting of docs/costs.md.</summary>
public sealed record CostOptions
{
    /// <summary>Energy per accumulate (45 nm figure used across the SNN field).</summary>
    public double PicojoulesPerAc { get; init; } = 0.9;
    /// <summary>Energy per multiply-accumulate (45 nm).</summary>
    public double PicojoulesPerMac { get; init; } = 4.6;
    /// <summary>Bytes per activation/weight element (float32).</summary>
    public int BytesPerElement { get; init; } = 4;
    /// <summary>True when the first layer sees analog values (direct encoding): its forward and weight-gradient products are MACs.</summary>
    public bool AnalogInput { get; init; } = true;
    /// <summary>True when the input is the same at every step (direct encoding, a stride-0 view): the first synapse runs once per window.</summary>
    public bool InputConstantOverTime { get; init; }
    /// <summary>Measured firing rate of every stage's output (0 for the readout); null: dense counts (rate 1).</summary>
    public IReadOnlyList<double>? FiringRates { get; init; }
    /// <summary>Spike density of a spiking input (event frames); ignored when <see cref="AnalogInput"/>.</summary>
    public double InputRate { get; init; } = 1.0;
    /// <summary>
    /// Multiply-accumulates per parameter per update. Adam: m, v, bias corrections and the update ≈ 4 (the default);
    /// <see cref="WithOptimizer"/> sets it for the optimizer a run uses.
    /// </summary>
    public double OptimizerMacsPerParameter { get; init; } = 4;
    /// <summary>Optimizer state tensors per parameter: Adam keeps two (m, v), SGD with momentum one, plain SGD none.</summary>
    public int OptimizerStateTensors { get; init; } = 2;
    /// <summary>
    /// Elements of the optimizer's largest temporary: the trainer's <see cref="ChunkedAdam"/> (and <see cref="ChunkedSgd"/>)
    /// updates in chunks of this size. Null: TorchSharp's Adam, two temporaries the size of the parameter.
    /// </summary>
    public long? OptimizerChunkElements { get; init; } = ChunkedAdam.DefaultChunkElements;
    /// <summary>
    /// Chunk-sized temporaries the chunked update holds at once: Adam's √v (1), with weight decay also g + λw (2); SGD's
    /// g + λw and Nesterov's g + μ·buf where they exist (0 … 2), plain SGD with momentum updates in place (0).
    /// </summary>
    public int OptimizerTemporaries { get; init; } = 1;
    /// <summary>
    /// Bytes the fused LIF window (one autograd node per window) keeps per neuron and step until the block's graph goes:
    /// ¼ with the rectangular surrogate (two bits: whether u − θ is in the surrogate's window and, for a hard reset,
    /// whether the neuron fired; four steps to a byte, so a window of K steps keeps ⌈K/4⌉ bytes per neuron); with a smooth
    /// surrogate u − θ in the input dtype (4 for float32). A window's bytes are rounded up to whole bytes per neuron. A
    /// learnable β runs the per-step graph, which the model counts as before (u − θ, 1 − s, u·(1 − s) and the surrogate gradient).
    /// </summary>
    public double LifSavedBytesPerNeuronStep { get; init; } = 0.25;
    /// <summary>
    /// The network's SynapseChunk (null: whole windows): a pooling stage without batch norm runs its synapse and pooling
    /// at most this many samples (steps × batch) a call, so its synapse output and that output's gradient and copies
    /// exist for one chunk at a time.
    /// </summary>
    public int? SynapseChunk { get; init; }

    /// <summary>
    /// The network's ConvolutionLayout. Channels-last: a convolution with more than one input channel runs on a
    /// channels-last copy of its input (the copy is what its autograd node keeps) and its backward makes none of the
    /// planar layout's blocked copies of output gradient and input.
    /// </summary>
    public ConvolutionLayout ConvolutionLayout { get; init; } = ConvolutionLayout.Planar;

    public static CostOptions Default { get; } = new();

    /// <summary>The defaults with the optimizer fields of <paramref name="optimizer"/> (<see cref="WithOptimizer"/>).</summary>
    public static CostOptions For(OptimizerSettings optimizer) => Default.WithOptimizer(optimizer);

    /// <summary>
    /// These options with the optimizer fields of <paramref name="optimizer"/>, as <see cref="ChunkedAdam"/> and
    /// <see cref="ChunkedSgd"/> update (an element-wise op with a scalar counts as a multiply-accumulate): Adam 4 MACs per
    /// parameter, m and v, one temporary (the defaults); SGD with momentum μ·buf + g and w − lr·buf (2 MACs), one buffer,
    /// Nesterov's g + μ·buf one more MAC and temporary; plain SGD (μ = 0) w − lr·g (1 MAC), no state. Weight decay adds
    /// g + λw: one MAC and one temporary. Both update in chunks of <see cref="ChunkedAdam.DefaultChunkElements"/>.
    /// </summary>
    public CostOptions WithOptimizer(OptimizerSettings optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var o = optimizer.Validated();
        var decay = o.WeightDecay != 0 ? 1 : 0;
        var momentum = o.Momentum != 0;
        var nesterov = o.Nesterov ? 1 : 0;
        return o.Kind == OptimizerKind.Adam
            ? this with
            {
                OptimizerMacsPerParameter = 4 + decay,
                OptimizerStateTensors = 2,
                OptimizerTemporaries = 1 + decay,
                OptimizerChunkElements = ChunkedAdam.DefaultChunkElements,
            }
            : this with
            {
                OptimizerMacsPerParameter = (momentum ? 2 : 1) + nesterov + decay,
                OptimizerStateTensors = momentum ? 1 : 0,
                OptimizerTemporaries = nesterov + decay,
                OptimizerChunkElements = ChunkedAdam.DefaultChunkElements,
            };
    }

    public CostOptions Validated()
    {
        if (!(PicojoulesPerAc >= 0)) throw new ArgumentOutOfRangeException(nameof(PicojoulesPerAc), PicojoulesPerAc, "Energy per AC must be ≥ 0 pJ.");
        if (!(PicojoulesPerMac >= 0)) throw new ArgumentOutOfRangeException(nameof(PicojoulesPerMac), PicojoulesPerMac, "Energy per MAC must be ≥ 0 pJ.");
        if (BytesPerElement < 1) throw new ArgumentOutOfRangeException(nameof(BytesPerElement), BytesPerElement, "Bytes per element must be ≥ 1.");
        if (!(InputRate >= 0 && InputRate <= 1)) throw new ArgumentOutOfRangeException(nameof(InputRate), InputRate, "Input spike density must be in [0, 1].");
        if (FiringRates?.Any(r => !(r >= 0 && r <= 1)) == true) throw new ArgumentOutOfRangeException(nameof(FiringRates), "Firing rates must be in [0, 1].");
        if (!(OptimizerMacsPerParameter >= 0))
            throw new ArgumentOutOfRangeException(nameof(OptimizerMacsPerParameter), OptimizerMacsPerParameter, "Optimizer MACs per parameter must be ≥ 0.");
        if (OptimizerStateTensors < 0)
            throw new ArgumentOutOfRangeException(nameof(OptimizerStateTensors), OptimizerStateTensors, "Optimizer state tensors must be ≥ 0.");
        if (OptimizerTemporaries < 0)
            throw new ArgumentOutOfRangeException(nameof(OptimizerTemporaries), OptimizerTemporaries, "Optimizer temporaries must be ≥ 0.");
        if (OptimizerChunkElements is < 1)
            throw new ArgumentOutOfRangeException(nameof(OptimizerChunkElements), OptimizerChunkElements,
                "Optimizer chunk must be ≥ 1 element (null: TorchSharp's Adam).");
        return this;
    }
}
