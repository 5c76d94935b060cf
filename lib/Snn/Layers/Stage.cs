using System.Diagnostics.CodeAnalysis;
using Snn.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// One weight layer and its neuron: synapse (conv/linear) → optional batch norm → optional pooling →
/// neuron → optional time-shared dropout on the output spikes. Time-folded: input [K, N, …] runs the
/// stateless part (synapse, norm, pooling) once on [K·N, …]; only the neuron loops over time. An input
/// that is constant over time (stride 0 on the time axis, as produced by direct encoding) is processed
/// once and broadcast, which is mathematically identical (batch-norm's normalisation of K identical
/// copies equals that of one; only its running-variance update differs by the Bessel factor n/(n − 1)).
/// A stateful module only for <see cref="PresynapticTrace"/>: its carried trace is the stage's state.
/// </summary>
public sealed class Stage : StatefulModule
{
    private readonly nn.Module<Tensor, Tensor> synapse;
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly nn.Module<Tensor, Tensor>? post;
    private readonly nn.Module<Tensor, Tensor> neuron;
    private readonly TimeSharedDropout? dropout;

    /// <summary>
    /// <paramref name="post"/>: stateless post-processing (pooling); <paramref name="layout"/>: synapse geometry
    /// for <see cref="Describe"/> (inferred from the weight shape when null); <paramref name="norm"/>: stateless
    /// normalisation of the folded synapse output (tdBN), before <paramref name="post"/>;
    /// <paramref name="dropout"/>: dropout on the output spikes, one mask per sequence.
    /// </summary>
    public Stage(string name, nn.Module<Tensor, Tensor> synapse, nn.Module<Tensor, Tensor>? post, nn.Module<Tensor, Tensor> neuron,
        long[] inputShape, long[] outputShape, string spec,
        StageLayout? layout = null, nn.Module<Tensor, Tensor>? norm = null, TimeSharedDropout? dropout = null) : base(name)
    {
        this.synapse = synapse;
        this.norm = norm;
        this.post = post;
        this.neuron = neuron;
        this.dropout = dropout;
        trace = RegisterState("trace");
        InputShape = inputShape;
        OutputShape = outputShape;
        Spec = spec;
        Layout = layout;
        RegisterComponents();
        linear = synapse as Linear
            ?? (synapse is Sequential seq && seq.children().ToList() is [Flatten, Linear inner] ? inner : null);
        flattens = linear is not null && synapse is not Linear;
        conv = synapse as Conv2d;
    }

    // The synapse's Linear (behind a Flatten for an FC after a conv), for the compact path on spike input; null for a conv.
    private readonly Linear? linear;
    private readonly bool flattens;
    private readonly Conv2d? conv;
    private readonly StateSlot trace;
    // λ while the presynaptic trace is on; null when off.
    private double? traceDecay;

    /// <summary>
    /// True when this stage's input is binary: set by <see cref="Networks.SpikingNetwork"/> when the stage before spikes
    /// without dropout. A linear synapse then keeps its input for backward as bool instead of float.
    /// </summary>
    internal bool SpikeInput { get; set; }

    /// <summary>
    /// Use the compact autograd nodes where they apply (the same values and gradients, less memory kept for backward):
    /// max pooling that keeps one byte per output, a linear synapse on <see cref="SpikeInput"/> that keeps its input as
    /// bool, and the neuron's repeated-current path for a constant input. False: libtorch's modules (for comparisons).
    /// </summary>
    internal bool Compact { get; set; } = true;

    /// <summary>The arithmetic of the synapse; set through the network's <c>Precision</c>, which checks the dtype first.</summary>
    internal SynapsePrecision Precision { get; set; } = SynapsePrecision.Full;

    /// <summary>The memory layout of a full-precision conv synapse (set through the network's <c>ConvolutionLayout</c>).</summary>
    internal ConvolutionLayout ConvolutionLayout { get; set; } = ConvolutionLayout.Planar;

    /// <summary>
    /// Why the synapse cannot run in reduced precision (null when it can): the bfloat16 path calls conv2d/linear itself,
    /// so it knows a Conv2d with zero padding, a Linear and a Flatten → Linear.
    /// </summary>
    internal string? ReducedPrecisionProblem =>
        linear is not null ? null
        : conv is null ? $"its synapse is a {synapse.GetType().Name}; bfloat16 synapses support Conv2d, Linear and Flatten → Linear"
        : conv.padding_mode != PaddingModes.Zeros || conv.padding is null ? "its Conv2d pads other than with explicit zeros"
        : conv.groups != 1 ? "its Conv2d is grouped"
        : null;

    /// <summary>
    /// OTTT's presynaptic-trace weight gradient (<see cref="Plans.TrainingPlan.PresynapticTrace"/>): in training mode the
    /// stage carries the trace â[t] = λ·â[t−1] + x[t] of its input x (λ: the leak of its own neuron, the one the synapse
    /// feeds: β of a LIF, β_r of the readout), and its synapse's weight gradient uses â where the plain synapse uses x
    /// (<see cref="PresynapticTraceFunction"/>); forward and input gradient are unchanged. The trace has no gradient history,
    /// is reset with the network state and is not cut at window borders. Off in eval mode. Set through
    /// <see cref="Networks.SpikingNetwork.PresynapticTrace"/>; setting it throws where <see cref="PresynapticTraceProblem"/> says why.
    /// </summary>
    public bool PresynapticTrace
    {
        get => traceDecay is not null;
        internal set
        {
            if (!value)
            {
                traceDecay = null;
                trace.Clear();
                return;
            }
            if (PresynapticTraceProblem is { } problem) throw new InvalidOperationException($"Stage '{Spec}' cannot keep a presynaptic trace: {problem}.");
            traceDecay = neuron switch
            {
                LifNeuron lif => lif.Parameters.Beta,
                LeakyIntegrator readout => readout.Beta,
                _ => throw new InvalidOperationException($"Stage '{Spec}': no leak known for {neuron.GetType().Name}."),
            };
        }
    }

    /// <summary>Why this stage cannot keep a presynaptic trace, or null when it can.</summary>
    internal string? PresynapticTraceProblem =>
        neuron is LifNeuron { BetaParameter: not null }
            ? "its LIF has a learnable β, and the trace's decay λ = β must stay fixed while the trace carries past steps"
        : neuron is not (LifNeuron or LeakyIntegrator)
            ? $"its neuron is a {neuron.GetType().Name}; the trace's decay is the leak of a LifNeuron or LeakyIntegrator"
        : linear is not null ? null
        : conv is null ? $"its synapse is a {synapse.GetType().Name}; the trace supports Conv2d, Linear and Flatten → Linear"
        : conv.padding_mode != PaddingModes.Zeros || conv.padding is null ? "its Conv2d pads other than with explicit zeros"
        : conv.groups != 1 ? "its Conv2d is grouped"
        : null;

    private int? recomputeSegment;

    /// <summary>
    /// Recomputation inside the stage (null: off): a linear synapse and its LIF neuron on an input that changes over time
    /// run as one autograd node that keeps no currents and nothing per neuron and step, and recomputes them in backward,
    /// S steps at a time (<see cref="LinearLifWindowFunction"/>; docs/method.md): less memory for one more forward product.
    /// Values and gradients are the stage's up to the rounding of products split into segments of S steps. Applies where
    /// the neuron can fuse a window (fixed β, detached reset, a state without gradient history) and the precision is full;
    /// elsewhere the stage runs as without it. Setting a value throws where <see cref="RecomputeProblem"/> says why it cannot.
    /// </summary>
    public int? RecomputeSegment
    {
        get => recomputeSegment;
        set
        {
            if (value is < 1)
                throw new ArgumentOutOfRangeException(nameof(RecomputeSegment), value, $"Stage '{Spec}': the recompute segment S must be ≥ 1 (null: off).");
            if (value is not null && RecomputeProblem is { } problem)
                throw new InvalidOperationException($"Stage '{Spec}' cannot recompute its window: {problem}.");
            recomputeSegment = value;
        }
    }

    /// <summary>Why this stage cannot recompute its window itself (<see cref="RecomputeSegment"/>), or null when it can.</summary>
    public string? RecomputeProblem =>
        linear is null ? $"its synapse is a {synapse.GetType().Name}; stage recomputation needs a Linear (or Flatten → Linear)"
        : norm is not null ? "it has batch norm, whose statistics a re-run would count twice"
        : post is not null ? "it pools its currents"
        : neuron is not LifNeuron ? $"its neuron is a {neuron.GetType().Name}; stage recomputation needs a LifNeuron"
        : Precision != SynapsePrecision.Full ? "its synapse runs in reduced precision"
        : null;

    private int? synapseChunk;

    /// <summary>
    /// The stateless part (synapse and pooling) of a window in calls of at most C samples of the folded [K·N, …] each
    /// (C = S·N: S steps a call; null: the whole window in one call). Each chunk is its own autograd node, so backward
    /// builds one chunk's synapse-output gradient at a time and the forward one chunk's synapse output, where a conv
    /// stage otherwise holds a whole window's (W2's first stage over T = 10: 13 MiB, and libtorch's copies of it). The
    /// neuron still runs the whole window. Values are the stage's; the weight gradient is summed chunk by chunk, so in
    /// float32 it differs from one call's by rounding. Only for a stage that pools (without pooling the joined chunks
    /// are the synapse output itself, so nothing is saved and the join costs a second copy); not with batch norm (its
    /// statistics are over the whole window) or OTTT's trace: those stages run whole.
    /// </summary>
    public int? SynapseChunk
    {
        get => synapseChunk;
        set
        {
            if (value is < 1)
                throw new ArgumentOutOfRangeException(nameof(SynapseChunk), value, $"Stage '{Spec}': the synapse chunk C must be ≥ 1 sample (null: off).");
            synapseChunk = value;
        }
    }

    /// <summary>Per-sample input shape (without time and batch), e.g. [1, 28, 28].</summary>
    public long[] InputShape { get; }
    /// <summary>Per-sample output shape, e.g. [16, 12, 12].</summary>
    public long[] OutputShape { get; }
    /// <summary>The spec token(s) this stage was built from, e.g. "16C5-BN-P2".</summary>
    public string Spec { get; }
    public StageLayout? Layout { get; }
    public nn.Module<Tensor, Tensor> Synapse => synapse;
    /// <summary>The synapse's weight (conv kernel or linear matrix): every synapse parameter that is not a bias.</summary>
    public Tensor Weight => synapse.named_parameters().First(p => !IsBias(p.name)).parameter;
    public nn.Module<Tensor, Tensor>? Norm => norm;
    public nn.Module<Tensor, Tensor> Neuron => neuron;
    public TimeSharedDropout? Dropout => dropout;
    /// <summary>True when the neuron spikes (false for the non-spiking readout).</summary>
    public bool IsSpiking => neuron is SpikingNeuron;

    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        var steps = input.shape[0];
        var batch = input.shape[1];
        // Own scope: only the output leaves, so intermediates autograd does not need (the pooled currents, a synapse
        // output that nothing saves) are freed now instead of living until the caller's scope ends.
        using var scope = torch.NewDisposeScope();
        Tensor output;
        var traced = training && traceDecay is not null;
        if (!RunsOnce(input, traced) && RecomputeSegment is { } segment && RecomputeProblem is null && !traced && neuron is LifNeuron lif
            && lif.ForwardFused((membrane, spikes) => LinearLifWindowFunction.Run(
                input.reshape([steps, batch, linear!.in_features]), linear.weight!, linear.bias, segment, lif.Parameters, membrane, spikes)) is { } fused)
        {
            output = fused;
        }
        else
        {
            var (currents, repeated) = NeuronInput(input, traced);
            output = !repeated ? neuron.forward(currents)
                : Compact && neuron is SpikingNeuron spiking ? spiking.ForwardRepeated(currents, (int)steps)
                : neuron.forward(currents.unsqueeze(0).expand([steps, .. currents.shape]));
        }
        return (dropout is null ? output : dropout.forward(output)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when this stage's LIF window can hand its spikes to <paramref name="next"/>'s linear synapse inside one
    /// autograd node (<see cref="ForwardFeeding"/>) on <paramref name="input"/>: with gradients on, a fused LIF window from a
    /// state without gradient history, no dropout, no presynaptic trace and no recomputation here, and a next stage whose
    /// synapse would keep these spikes as bool (<see cref="SpikeLinearFunction"/>).
    /// </summary>
    internal bool FeedsInto(Stage next, Tensor input)
    {
        if (!torch.is_grad_enabled() || !Compact || dropout is not null || (training && traceDecay is not null)) return false;
        if (neuron is not LifNeuron { CanFeed: true } || (RecomputeSegment is not null && RecomputeProblem is null)) return false;
        if (!(input.requires_grad || synapse.parameters().Any(p => p.requires_grad))) return false;
        var spikes = input.shape[0] * input.shape[1] * OutputShape.Aggregate(1L, (a, b) => a * b);
        return next.TakesFedSpikes(spikes);
    }

    // Where RunSynapse would take the compact spike path for the spikes of a whole window (no trace, no recomputation).
    private bool TakesFedSpikes(long spikes) =>
        KeepsSpikesAsBits(spikes) && !(training && traceDecay is not null) && !(RecomputeSegment is not null && RecomputeProblem is null);

    // A linear synapse on spikes keeps them as bool (SpikeLinearFunction) only where the bool copy saves more than it costs:
    // TorchSharp keeps a reference to the weight gradient a custom backward returns, so autograd copies it into .grad (one
    // weight-sized tensor; W3's FC1024 would pay 64 MiB).
    [MemberNotNullWhen(true, nameof(linear))]
    private bool KeepsSpikesAsBits(long spikes) =>
        Compact && SpikeInput && linear is not null
        && SpikeLinearFunction.Pays(spikes, linear.weight!.numel(), Precision == SynapsePrecision.BFloat16 ? 2 : 4);

    /// <summary>
    /// This stage and then <paramref name="next"/>, where <see cref="FeedsInto"/>: this stage's LIF window and
    /// <paramref name="next"/>'s linear synapse run as one autograd node, so the window's float spikes exist only inside it
    /// (not also as a node output, for which TorchSharp's wrapper allocates an empty tensor of the same size). Returns
    /// <paramref name="next"/>'s output and this stage's spike count (float64); values, gradients and the count are bitwise
    /// those of calling the two stages in turn.
    /// </summary>
    internal (Tensor Output, Tensor SpikeSum) ForwardFeeding(Tensor input, Stage next)
    {
        CheckInput(input);
        var steps = input.shape[0];
        var batch = input.shape[1];
        using var scope = torch.NewDisposeScope();
        var lif = (LifNeuron)neuron;
        var feed = next.Feed();
        Tensor synapseOutput, spikeSum;
        // This stage's tensors (its currents) go before the next stage's neuron runs, as between two forward calls.
        using (torch.NewDisposeScope())
        {
            var (currents, repeated) = NeuronInput(input, traced: false);
            var fed = lif.ForwardFeeding(currents, (int)steps, constant: repeated, feed);
            synapseOutput = fed.Output.MoveToOuterDisposeScope();
            spikeSum = fed.SpikeSum.MoveToOuterDisposeScope();
        }
        var output = next.AfterSynapse(synapseOutput, steps, batch);
        return (output.MoveToOuterDisposeScope(), spikeSum.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs <paramref name="stages"/>[<paramref name="index"/>] on <paramref name="input"/> and, where it feeds the next one
    /// before <paramref name="end"/> (<see cref="FeedsInto"/>), that one with it. Returns the last output, how many stages
    /// ran (1 or 2) and, when two ran, the first one's spike count (which its output would have given).
    /// </summary>
    internal static (Tensor Output, int Ran, Tensor? FedSpikeSum) Forward(IReadOnlyList<Stage> stages, int index, int end, Tensor input)
    {
        if (index + 1 >= end || !stages[index].FeedsInto(stages[index + 1], input)) return (stages[index].forward(input), 1, null);
        var (output, spikeSum) = stages[index].ForwardFeeding(input, stages[index + 1]);
        return (output, 2, spikeSum);
    }

    // The linear synapse as the consumer of the previous stage's window (TakesFedSpikes).
    private SpikeLinearFeed Feed() =>
        new(linear!.weight!, linear.bias, Precision == SynapsePrecision.BFloat16 ? ScalarType.BFloat16 : linear.weight!.dtype);

    // The rest of forward's folded path from the synapse output [K·N, …]: norm, pooling, neuron and dropout.
    private Tensor AfterSynapse(Tensor synapseOutput, long steps, long batch)
    {
        var folded = NormAndPool(synapseOutput);
        var output = neuron.forward(folded.reshape([steps, batch, .. folded.shape[1..]]));
        return dropout is null ? output : dropout.forward(output);
    }

    // A constant input (stride 0 over time) runs the stateless part once per window (once per batch while held).
    private bool RunsOnce(Tensor input, bool traced) => input.stride(0) == 0 && !traced && (input.shape[0] > 1 || held is not null);

    // The neuron's input for a window: the stateless part's output [K, N, …] or, for a constant input over more than
    // one step, its one step [N, …], which the neuron repeats (Repeated). One step runs the neuron as the folded path does.
    private (Tensor Currents, bool Repeated) NeuronInput(Tensor input, bool traced)
    {
        var steps = input.shape[0];
        var batch = input.shape[1];
        if (RunsOnce(input, traced))
        {
            var once = held is null ? Stateless(input[0]) : held.For(input[0], x => Stateless(x));
            return steps == 1 ? (once.unsqueeze(0), false) : (once, true);
        }
        if (SynapseChunk is { } chunk && chunk < steps * batch && post is not null && norm is null && !traced)
            return (Chunked(input.reshape([steps * batch, .. input.shape[2..]]), steps, batch, chunk), false);
        var folded = Stateless(input.reshape([steps * batch, .. input.shape[2..]]),
            traced ? Trace(input, traceDecay!.Value).reshape([steps * batch, .. input.shape[2..]]) : null);
        return (folded.reshape([steps, batch, .. folded.shape[1..]]), false);
    }

    // The stateless part of a folded window [K·N, …], C samples a call, into one [K, N, …] (SynapseChunk). The chunks'
    // outputs go once joined: cat keeps nothing of its inputs for backward.
    private Tensor Chunked(Tensor folded, long steps, long batch, int chunk)
    {
        var parts = new List<Tensor>();
        for (long first = 0; first < steps * batch; first += chunk)
            parts.Add(Stateless(folded.narrow(0, first, Math.Min(chunk, steps * batch - first))));
        var joined = torch.cat(parts);
        foreach (var part in parts) part.Dispose();
        return joined.reshape([steps, batch, .. joined.shape[1..]]);
    }

    private void CheckInput(Tensor input)
    {
        if (input.dim() != InputShape.Length + 2 || !input.shape[2..].SequenceEqual(InputShape))
            throw new ArgumentException($"Stage '{Spec}' expects [time, batch, {string.Join("×", InputShape)}]; got [{string.Join(", ", input.shape)}].",
                nameof(input));
    }

    // â[t] = λ·â[t−1] + x[t] over the window from the carried trace, without gradient history. With one step the carried
    // trace is a view of the returned one, which the synapse keeps for backward: one trace in memory, not two.
    private Tensor Trace(Tensor input, double decay)
    {
        using var noGrad = torch.no_grad();
        var steps = input.shape[0];
        var traces = torch.empty(input.shape, dtype: input.dtype, device: input.device);
        var previous = trace.ValueOrNull;
        for (var t = 0; t < steps; t++)
        {
            using var step = torch.NewDisposeScope();
            var now = traces[t];
            now.copy_(input[t]);
            if (previous is not null) now.add_(previous, alpha: decay);
            previous = now.MoveToOuterDisposeScope();
        }
        trace.Set(steps == 1 ? traces[0] : traces[steps - 1].clone());
        return traces;
    }

    // Set while a batch keeps the weights fixed (HoldConstantInput): a constant input's stateless output, made once.
    private HeldSynapseOutput? held;

    /// <summary>
    /// Until <see cref="ReleaseHeldInput"/>, while the weights stay fixed across calls (a batch whose gradients accumulate, or
    /// the segments of a recomputed window; <see cref="Training.Trainer"/>): a constant input (stride 0 over time) runs the synapse and pooling once, and each
    /// call's backward reaches them through <see cref="BackwardHeldInput"/>. Not with batch norm, whose running statistics
    /// advance at every call. <paramref name="sumGradient"/>: the calls' gradients are summed and reach the parameters at
    /// <see cref="FlushHeldInput"/>.
    /// </summary>
    internal void HoldConstantInput(bool sumGradient = false)
    {
        held?.Dispose();
        held = norm is null ? new HeldSynapseOutput(sumGradient) : null;
    }

    /// <summary>Ends <see cref="HoldConstantInput"/>: the held output and its graph are freed.</summary>
    internal void ReleaseHeldInput()
    {
        held?.Dispose();
        held = null;
    }

    /// <summary>After a call's backward: its gradient into the held synapse's parameters (nothing when none is held).</summary>
    internal void BackwardHeldInput() => held?.Backward();

    /// <summary>With a summed gradient: sends it into the synapse's parameters; call once, after the last call's backward.</summary>
    internal void FlushHeldInput() => held?.Flush();

    // The trace carries no gradient history: nothing to cut at window borders.
    protected internal override bool DetachesAtWindowBorders => false;

    private Tensor Stateless(Tensor x, Tensor? presynapticTrace = null) => NormAndPool(RunSynapse(x, presynapticTrace));

    // Batch norm and pooling of the synapse output. Each input is let go as soon as the next op has run: what backward
    // needs of it the op's node keeps, and a window's synapse output (the largest tensor of a conv stage) would otherwise
    // live on beside the neuron's window until the stage's scope ends.
    private Tensor NormAndPool(Tensor y)
    {
        if (norm is not null) y = ReleaseInput(y, norm.forward(y));
        if (post is null) return y;
        return ReleaseInput(y, Compact && post is MaxPool2d && Layout is { Pool: PoolKind.Max, PoolSize: > 1 }
            ? MaxPoolFunction.Run(y, Layout.PoolSize)
            : post.forward(y));
    }

    private static Tensor ReleaseInput(Tensor input, Tensor output)
    {
        if (!ReferenceEquals(input, output)) input.Dispose();
        return output;
    }

    internal Tensor RunSynapse(Tensor x, Tensor? presynapticTrace = null)
    {
        var reduced = Precision == SynapsePrecision.BFloat16;
        if (reduced && x.dtype != ScalarType.Float32)
            throw new InvalidOperationException($"Stage '{Spec}': bfloat16 synapses need a float32 network; this one runs in {x.dtype} "
                + "(set the network's Precision to Full for float64 gradient checks).");
        if (presynapticTrace is not null)
        {
            if (reduced)
                throw new InvalidOperationException(
                    $"Stage '{Spec}': the presynaptic trace runs full-precision synapses only; set the network's Precision to Full.");
            return linear is not null
                ? PresynapticTraceFunction.Run(flattens ? x.flatten(1) : x, flattens ? presynapticTrace.flatten(1) : presynapticTrace, linear.weight!,
                    linear.bias, null)
                : PresynapticTraceFunction.Run(x, presynapticTrace, conv!.weight!, conv.bias,
                    new PresynapticTraceFunction.Conv(conv.stride, conv.padding!, conv.dilation));
        }
        if (KeepsSpikesAsBits(x.numel()))
            return SpikeLinearFunction.Run(flattens ? x.flatten(1) : x, linear.weight!, linear.bias, reduced ? ScalarType.BFloat16 : null);
        // A conv runs in bf16 only where the kernel policy's probe found libtorch's bf16 convolution right on this device.
        var fullConv = conv is not null && !(reduced && SynapseKernelPolicy.For(x.device).ConvInBFloat16);
        if (fullConv && NeedsChannelPadding(x)) return ChannelPaddedConv(x);
        if (fullConv && ConvolutionLayout == ConvolutionLayout.ChannelsLast && ChannelsLast.Applies(x.shape[1]))
            return synapse.forward(ChannelsLast.Of(x));
        if (!reduced || fullConv) return synapse.forward(x);
        // Mixed precision: the casts are autograd nodes, so the gradients reach x and the float32 master weights in float32.
        // Spikes (0/1) cast exactly; the op keeps its bfloat16 input and weight for backward (half the bytes of float32).
        var input = x.to_type(ScalarType.BFloat16);
        var y = conv is not null
            ? Conv(input, Low(conv.weight)!, Low(conv.bias))
            : nn.functional.linear(flattens ? input.flatten(1) : input, Low(linear!.weight!)!, Low(linear.bias));
        return y.to_type(ScalarType.Float32);
    }

    private static Tensor? Low(Tensor? t) => t?.to_type(ScalarType.BFloat16);

    // A float32 CPU convolution whose input gradient is needed, where the kernel policy found libtorch's backward-data
    // kernel wrong off 16 output channels. A first layer (input without gradient) is never padded.
    private bool NeedsChannelPadding(Tensor x) =>
        conv!.out_channels % 16 != 0 && conv.groups == 1 && conv.padding_mode == PaddingModes.Zeros && conv.padding is not null
        && x.dtype == ScalarType.Float32 && x.device.type == DeviceType.CPU && x.requires_grad && torch.is_grad_enabled()
        && SynapseKernelPolicy.For(x.device).PadConvChannels;

    // Zero filters add nothing to the input gradient and their outputs are cut off: the convolution's values and gradients,
    // for the padded channels' arithmetic in this layer.
    private Tensor ChannelPaddedConv(Tensor x)
    {
        var weight = conv!.weight!;
        var extra = (conv.out_channels + 15) / 16 * 16 - conv.out_channels;
        var padded = torch.cat([weight, torch.zeros([extra, .. weight.shape[1..]], dtype: weight.dtype, device: weight.device)]);
        var bias = conv.bias is { } b ? torch.cat([b, torch.zeros(extra, dtype: b.dtype, device: b.device)]) : null;
        return Conv(x, padded, bias).narrow(1, 0, conv.out_channels).contiguous();
    }

    // The synapse's convolution with other weights (a cast or padded copy of its own): the module's geometry.
    private Tensor Conv(Tensor x, Tensor weight, Tensor? bias) =>
        nn.functional.conv2d(x, weight, bias, conv!.stride, conv.padding!, conv.dilation, conv.groups);

    /// <summary>This stage for the cost model; <paramref name="index"/> is its position in the network.</summary>
    public StageDescription Describe(int index = 0)
    {
        long weights = 0, biases = 0;
        long[]? weightShape = null;
        foreach (var (pname, p) in synapse.named_parameters())
        {
            if (IsBias(pname)) biases += p.numel();
            else { weights += p.numel(); weightShape ??= p.shape; }
        }
        if (weightShape is null) throw new InvalidOperationException($"Stage '{Spec}' has a synapse without weights.");
        var normParameters = norm?.parameters().Sum(p => p.numel()) ?? 0;
        var neuronParameters = neuron.parameters().Sum(p => p.numel());
        // Weight [out, in, kh, kw] (conv) or [out, in] (linear): fan-in = everything but the output dimension.
        var fanIn = weightShape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var layout = Layout ?? new StageLayout(weightShape.Length == 4 ? SynapseKind.Conv : SynapseKind.Linear,
            Kernel: weightShape.Length == 4 ? (int)weightShape[^1] : 1, BatchNorm: norm is not null, Dropout: dropout?.Probability ?? 0);
        return new StageDescription(index, GetName(), Spec, layout.Synapse, InputShape, layout.SynapseShape ?? OutputShape, OutputShape,
            weights, biases, normParameters, neuronParameters, fanIn, layout.Kernel, layout.Stride, layout.Padding,
            layout.Pool, layout.PoolSize, norm is not null, dropout?.Probability ?? 0, IsSpiking);
    }

    private static bool IsBias(string parameterName) => parameterName.EndsWith("bias", StringComparison.Ordinal);

    public override string ToString() =>
        $"{Spec}: [{string.Join("×", InputShape)}] → [{string.Join("×", OutputShape)}], {neuron}"
        + (norm is null ? "" : ", tdBN") + (dropout is null ? "" : $", {dropout}") + (PresynapticTrace ? $", presynaptic trace λ={traceDecay}" : "");
}
