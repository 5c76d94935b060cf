using Snn.Layers;
using Snn.Neurons;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Networks;

/// <summary>
/// A feed-forward SNN: an ordered list of stages, the last one being the non-spiking readout.
/// forward([K, N, …input]) → readout membrane [K, N, classes]; state carries across calls until
/// <see cref="NetworkState.ResetState"/>.
/// </summary>
public sealed class SpikingNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Stage> stages;

    public SpikingNetwork(string spec, IReadOnlyList<Stage> stages, string name = "snn") : base(name)
    {
        if (stages.Count == 0) throw new ArgumentException("A network needs at least one stage.", nameof(stages));
        if (stages[^1].IsSpiking) throw new ArgumentException("The last stage must be the non-spiking readout.", nameof(stages));
        Spec = spec;
        this.stages = nn.ModuleList(stages.ToArray());
        RegisterComponents();
        // A stage after a spiking stage without dropout sees 0/1 input (dropout scales the spikes that survive).
        for (var i = 1; i < stages.Count; i++) stages[i].SpikeInput = stages[i - 1].IsSpiking && stages[i - 1].Dropout is null;
    }

    /// <summary>The spec the network was built from (e.g. "16C5-P2-32C5-P2-FC10").</summary>
    public string Spec { get; }
    public IReadOnlyList<Stage> Stages => stages.AsReadOnly();
    public long[] InputShape => stages[0].InputShape;

    /// <summary>
    /// The arithmetic of every stage's synapse (docs/precision.md): <see cref="SynapsePrecision.Full"/> (default) or
    /// <see cref="SynapsePrecision.BFloat16"/>, mixed precision on a float32 network (master weights, optimizer state,
    /// batch norm, neurons, the loss and local heads stay float32; on the CPU conv synapses too, as libtorch's CPU
    /// bfloat16 convolution is wrong). Setting BFloat16 on a network of another dtype, or
    /// running a bfloat16 network after converting it to another dtype, throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public SynapsePrecision Precision
    {
        get => stages[0].Precision;
        set
        {
            if (value == SynapsePrecision.BFloat16)
            {
                if (parameters().FirstOrDefault(p => p.dtype != ScalarType.Float32) is { } other)
                    throw new InvalidOperationException($"bfloat16 synapses need a float32 network; {Spec} holds {other.dtype} parameters "
                        + "(float64 networks are for gradient checks and stay in full precision).");
                if (stages.Select(s => (s, s.ReducedPrecisionProblem)).FirstOrDefault(x => x.ReducedPrecisionProblem is not null) is ({ } stage, { } problem))
                    throw new InvalidOperationException($"Stage '{stage.Spec}' cannot compute in bfloat16: {problem}.");
            }
            foreach (var stage in stages) stage.Precision = value;
        }
    }

    /// <summary>
    /// The memory layout of every stage's full-precision convolution (docs/channels-last.md): <see cref="ConvolutionLayout.Planar"/>
    /// (default; the kit's bitwise numbers) or <see cref="ConvolutionLayout.ChannelsLast"/> (on the CPU less time and
    /// memory for convolutions with more than one input channel; gradients equal up to float32 rounding).
    /// </summary>
    public ConvolutionLayout ConvolutionLayout
    {
        get => stages[0].ConvolutionLayout;
        set
        {
            foreach (var stage in stages) stage.ConvolutionLayout = value;
        }
    }

    /// <summary>
    /// Every stage's <see cref="Stage.SynapseChunk"/>: the synapse and pooling of a window run at most C samples (time steps
    /// × batch) a call (null: the whole window), so a conv stage's synapse output and its gradient exist one chunk at a
    /// time (docs/method.md). Exact; float32 weight gradients differ from one call's by rounding. Only stages that pool
    /// use it (without batch norm).
    /// </summary>
    public int? SynapseChunk
    {
        get => stages[0].SynapseChunk;
        set
        {
            foreach (var stage in stages) stage.SynapseChunk = value;
        }
    }

    public long Classes => stages[^1].OutputShape[^1];

    /// <summary>
    /// OTTT's presynaptic-trace weight gradient (<see cref="Stage.PresynapticTrace"/>) on every stage but the first: the
    /// stages whose input is another stage's output (spikes). The first stage reads the encoder's input and keeps its plain
    /// weight gradient, as the first convolution in OTTT's code (not wrapped for the trace). The trainer sets it from
    /// <see cref="Plans.TrainingPlan.PresynapticTrace"/> while a step runs; setting it throws
    /// <see cref="InvalidOperationException"/> for a stage that cannot keep a trace (e.g. a learnable β).
    /// </summary>
    public bool PresynapticTrace
    {
        get => stages.Skip(1).Any(s => s.PresynapticTrace);
        set
        {
            // All or none: a stage that cannot keep a trace leaves every stage as it was.
            if (value && stages.Skip(1).FirstOrDefault(s => s.PresynapticTraceProblem is not null) is { } bad)
                throw new InvalidOperationException($"Stage '{bad.Spec}' cannot keep a presynaptic trace: {bad.PresynapticTraceProblem}.");
            foreach (var stage in stages.Skip(1)) stage.PresynapticTrace = value;
        }
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        // With a graph, a LIF window may hand its spikes to the next stage's linear synapse inside one node (bitwise the same).
        for (var i = 0; i < stages.Count;)
        {
            var (next, ran, spikeSum) = Stage.Forward(Stages, i, stages.Count, x);
            spikeSum?.Dispose();
            // An intermediate output is no longer needed: what backward needs, the next stage's graph has kept.
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
            i += ran;
        }
        return x;
    }

    /// <summary>Runs all stages and returns every stage's output (spikes, then the readout): for rasters and firing rates.</summary>
    public IReadOnlyList<Tensor> ForwardStages(Tensor input)
    {
        var outputs = new List<Tensor>(stages.Count);
        var x = input;
        foreach (var stage in stages)
        {
            x = stage.forward(x);
            outputs.Add(x);
        }
        return outputs;
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Every stage described for the cost model (shapes, parameters, fan-in, kernel, pooling), in order.</summary>
    public IReadOnlyList<StageDescription> Describe() => stages.Select((s, i) => s.Describe(i)).ToList();

    public override string ToString() =>
        $"SpikingNetwork {Spec} ({ParameterCount:N0} parameters)\n" + string.Join("\n", stages.Select((s, i) => $"  {i}: {s}"));
}
