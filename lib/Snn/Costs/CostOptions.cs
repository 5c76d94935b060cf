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
    /// <summary>Adam: m, v, bias corrections and the update ≈ 4 multiply-accumulates per parameter per update.</summary>
    public double OptimizerMacsPerParameter { get; init; } = 4;
    /// <summary>Adam keeps two tensors (m, v) per parameter.</summary>
    public int OptimizerStateTensors { get; init; } = 2;
    /// <summary>
    /// Elements of the optimizer's largest temporary: the trainer's <see cref="ChunkedAdam"/> updates in chunks of this
    /// size (one temporary). Null: TorchSharp's Adam, two temporaries the size of the parameter.
    /// </summary>
    public long? OptimizerChunkElements { get; init; } = ChunkedAdam.DefaultChunkElements;
    /// <summary>
    /// Bytes the fused LIF window (one autograd node per window) keeps per neuron and step until the block's graph goes:
    /// 1 with the rectangular surrogate (whether u − θ is in the surrogate's window and, for a hard reset, whether the
    /// neuron fired, in one byte); with a smooth surrogate u − θ in the input dtype (4 for float32). A learnable β runs
    /// the per-step graph, which the model counts as before (u − θ, 1 − s, u·(1 − s) and the surrogate gradient).
    /// </summary>
    public double LifSavedBytesPerNeuronStep { get; init; } = 1;

    public static CostOptions Default { get; } = new();

    public CostOptions Validated()
    {
        if (!(PicojoulesPerAc >= 0)) throw new ArgumentOutOfRangeException(nameof(PicojoulesPerAc), PicojoulesPerAc, "Energy per AC must be ≥ 0 pJ.");
        if (!(PicojoulesPerMac >= 0)) throw new ArgumentOutOfRangeException(nameof(PicojoulesPerMac), PicojoulesPerMac, "Energy per MAC must be ≥ 0 pJ.");
        if (BytesPerElement < 1) throw new ArgumentOutOfRangeException(nameof(BytesPerElement), BytesPerElement, "Bytes per element must be ≥ 1.");
        if (!(InputRate >= 0 && InputRate <= 1)) throw new ArgumentOutOfRangeException(nameof(InputRate), InputRate, "Input spike density must be in [0, 1].");
        if (FiringRates?.Any(r => !(r >= 0 && r <= 1)) == true) throw new ArgumentOutOfRangeException(nameof(FiringRates), "Firing rates must be in [0, 1].");
        return this;
    }
}
