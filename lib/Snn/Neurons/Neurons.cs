using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Multi-step LIF layer: takes input currents [K, N, …] and returns spikes [K, N, …], carrying membrane
/// and last spikes from the previous call until <see cref="ResetState"/>. The maths is <see cref="Lif.Step"/>.
/// </summary>
public sealed class LifNeuron : nn.Module<Tensor, Tensor>, IStateful
{
    private readonly StateSlot state = new();

    public LifNeuron(LifParameters? parameters = null, string name = "lif") : base(name)
    {
        Parameters = (parameters ?? LifParameters.Default).Validated();
        RegisterComponents();
    }

    public LifParameters Parameters { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2) throw new ArgumentException($"LIF input must be [time, batch, …]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        LifState? current = state.IsEmpty ? null : new LifState(state[0], state[1]);
        var steps = (int)input.shape[0];
        var spikes = new Tensor[steps];
        for (var t = 0; t < steps; t++)
        {
            (spikes[t], var next) = Lif.Step(input[t], current, Parameters);
            current = next;
        }
        state.Set(current!.Value.Membrane, current.Value.Spikes);
        return torch.stack(spikes);
    }

    /// <summary>The carried membrane potential [N, …], or null after a reset.</summary>
    public Tensor? Membrane => state.IsEmpty ? null : state[0];

    public void ResetState() => state.Clear();
    public void DetachState() => state.Detach();

    public override string ToString() => $"LIF(β={Parameters.Beta}, θ={Parameters.Threshold}, {Parameters.Reset} reset, {Parameters.Surrogate})";
}

/// <summary>
/// Non-spiking leaky integrator m[t] = β·m[t−1] + I[t] (no threshold, no reset): the readout whose
/// membrane, averaged over the steps in scope, gives the class scores.
/// </summary>
public sealed class LeakyIntegrator : nn.Module<Tensor, Tensor>, IStateful
{
    private readonly StateSlot state = new();

    public LeakyIntegrator(double beta = 0.5, string name = "integrator") : base(name)
    {
        if (!(beta >= 0 && beta <= 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "Integrator leak β must be in [0, 1].");
        Beta = beta;
        RegisterComponents();
    }

    public double Beta { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2) throw new ArgumentException($"Integrator input must be [time, batch, …]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        Tensor? membrane = state.IsEmpty ? null : state[0];
        var steps = (int)input.shape[0];
        var outputs = new Tensor[steps];
        for (var t = 0; t < steps; t++)
        {
            membrane = membrane is null ? input[t] : membrane * Beta + input[t];
            outputs[t] = membrane;
        }
        state.Set(membrane!.alias());
        return torch.stack(outputs);
    }

    public void ResetState() => state.Clear();
    public void DetachState() => state.Detach();

    public override string ToString() => $"LeakyIntegrator(β={Beta})";
}
