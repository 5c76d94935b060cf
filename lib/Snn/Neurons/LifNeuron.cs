using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Multi-step LIF layer: takes input currents [K, N, …] and returns spikes [K, N, …], carrying membrane
/// and last spikes from the previous call until <see cref="NetworkState.ResetState"/>. The maths is <see cref="Lif.Step"/>.
/// </summary>
public sealed class LifNeuron : SpikingNeuron
{
    private readonly StateSlot membrane;
    private readonly StateSlot lastSpikes;
    // Registered only when LearnableBeta: a null Parameter field is skipped by RegisterComponents.
    private readonly Parameter? beta;

    public LifNeuron(LifParameters? parameters = null, string name = "lif") : base(name)
    {
        Parameters = (parameters ?? LifParameters.Default).Validated();
        membrane = RegisterState("membrane");
        lastSpikes = RegisterState("spikes");
        if (Parameters.LearnableBeta) beta = nn.Parameter(torch.tensor(Parameters.Beta, dtype: ScalarType.Float32));
        RegisterComponents();
    }

    /// <summary>An integrate-and-fire neuron (β = 1).</summary>
    public static LifNeuron IF(double threshold = 0.5, ResetMode reset = ResetMode.Hard, string name = "if") =>
        new(LifParameters.IF with { Threshold = threshold, Reset = reset }, name);

    public LifParameters Parameters { get; }

    /// <summary>The current leak: the learnable value (clamped to [0, 1]) or the fixed <see cref="LifParameters.Beta"/>.</summary>
    public double Beta => beta is null ? Parameters.Beta : Math.Clamp(beta.to_type(ScalarType.Float64).item<double>(), 0.0, 1.0);

    /// <summary>The trainable β, or null when β is fixed.</summary>
    public Parameter? BetaParameter => beta;

    /// <summary>
    /// Run each call (a window) as one autograd node that keeps, per neuron and step, two bits for backward with the
    /// rectangular surrogate (u − θ in the input dtype with another) instead of ~12 (<see cref="LifWindowFunction"/>;
    /// docs/costs.md), where it applies: fixed β and detached reset. Its spikes and
    /// gradients are those of the per-step graph, but a membrane it carries on from a call that started without gradient
    /// history (from rest, or detached) has none: gradients stop at such a call border, as at a window border in training
    /// (where the trainer detaches the state anyway). A call that starts from a membrane requiring gradients (recomputation's
    /// restored leaf) continues its history. False: the per-step graph of <see cref="Lif.Step"/>, which backpropagates
    /// across calls made without <see cref="NetworkState.DetachState"/>.
    /// </summary>
    public bool Fused { get; set; } = true;

    private bool CanFuse => Fused && beta is null && Parameters.DetachReset;

    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2) throw new ArgumentException($"LIF input must be [time, batch, …]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        return CanFuse ? ForwardWindow(input, (int)input.shape[0], constant: false) : ForwardSteps(input);
    }

    public override Tensor ForwardRepeated(Tensor current, int steps)
    {
        return CanFuse ? ForwardWindow(current, steps, constant: true) : base.ForwardRepeated(current, steps);
    }

    /// <summary>
    /// Runs a window whose currents a fused node of the caller computes itself (its synapse and this neuron's recurrence
    /// in one node): <paramref name="run"/> gets the carried membrane and spikes (null: at rest) and returns the window's
    /// spikes and last membrane, which this neuron carries on. Null (and nothing run) where this neuron's window cannot be
    /// fused so: a learnable β, an attached reset, <see cref="Fused"/> off, or a carried state that keeps gradient history.
    /// </summary>
    internal Tensor? ForwardFused(Func<Tensor?, Tensor?, (Tensor Spikes, Tensor Membrane)> run)
    {
        if (!CanFeed) return null;
        var (spikes, last) = run(membrane.ValueOrNull, lastSpikes.ValueOrNull);
        return CarryOn(spikes, last);
    }

    /// <summary>True when a window can run with <see cref="ForwardFeeding"/>: fused, from a state without gradient history.</summary>
    internal bool CanFeed => CanFuse && !KeepsStateHistory && membrane.ValueOrNull is not { requires_grad: true };

    /// <summary>
    /// Runs a window (<paramref name="currents"/> [K, N, …], or [N, …] repeated when <paramref name="constant"/>) whose
    /// spikes <paramref name="consumer"/> reads inside the window's node, and carries the state on: returns the consumer's
    /// output and the window's spike count (float64). Only where <see cref="CanFeed"/>.
    /// </summary>
    internal (Tensor Output, Tensor SpikeSum) ForwardFeeding(Tensor currents, int steps, bool constant, SpikeConsumer consumer)
    {
        if (!CanFeed) throw new InvalidOperationException("This LIF window cannot feed its spikes to a consumer (see CanFeed).");
        var (output, last, lastOfWindow, spikeSum) = LifWindowFunction.RunFeeding(currents, steps, constant, Parameters, membrane.ValueOrNull,
            lastSpikes.ValueOrNull, consumer);
        membrane.Set(last);
        lastSpikes.Set(lastOfWindow);
        return (output, spikeSum);
    }

    private Tensor ForwardWindow(Tensor currents, int steps, bool constant)
    {
        var (spikes, last) = LifWindowFunction.Run(currents, steps, constant, Parameters, membrane.ValueOrNull, lastSpikes.ValueOrNull, KeepsStateHistory);
        return CarryOn(spikes, last);
    }

    // A fused window's end state becomes the carried one; returns its spikes.
    private Tensor CarryOn(Tensor spikes, Tensor last)
    {
        membrane.Set(last);
        // A copy, not a view: the carried spikes must not keep the window's output alive.
        using (torch.no_grad()) lastSpikes.Set(spikes[spikes.shape[0] - 1].clone());
        return spikes;
    }

    private Tensor ForwardSteps(Tensor input)
    {
        LifState? current = membrane.IsEmpty ? null : new LifState(membrane.Value, lastSpikes.Value);
        var steps = (int)input.shape[0];
        var spikes = new Tensor[steps];
        var leak = beta?.clamp(0.0, 1.0).to_type(input.dtype);
        Tensor? ownMembrane = null;   // made by this call; released once the next step has used it
        // unbind, not input[t]: select's backward fills a zero tensor of the whole input per step (O(K²) work);
        // unbind's backward stacks the step gradients once.
        var currents = input.unbind(0);
        for (var t = 0; t < steps; t++)
        {
            // Per-step scope: the step's intermediates (1−s, u·(1−s), ·β, u−θ, the comparison, …) are released at once;
            // autograd keeps only what backward needs (1−s, u−θ), so a step costs ~3 floats per neuron instead of ~9.
            LifState next;
            using (torch.NewDisposeScope())
            {
                (_, next) = Lif.Step(currents[t], current, Parameters, leak);
                next.Membrane.MoveToOuterDisposeScope();
                next.Spikes.MoveToOuterDisposeScope();
            }
            ownMembrane?.Dispose();
            ownMembrane = next.Membrane;
            spikes[t] = next.Spikes;
            current = next;
        }
        var output = torch.stack(spikes);
        // The stacked copy holds the spikes now; the last step's stay as the carried state.
        for (var t = 0; t < steps - 1; t++) spikes[t].Dispose();
        membrane.Set(current!.Value.Membrane);
        lastSpikes.Set(current.Value.Spikes);
        return output;
    }

    /// <summary>The carried membrane potential [N, …], or null after a reset.</summary>
    public Tensor? Membrane => membrane.ValueOrNull;

    public override string ToString() =>
        $"LIF(β={Parameters.Beta}{(beta is null ? "" : " learnable")}, θ={Parameters.Threshold}, {Parameters.Reset} reset, {Parameters.Surrogate})";
}
