using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Non-spiking leaky integrator m[t] = β·m[t−1] + I[t] (no threshold, no reset): the readout whose
/// membrane, averaged over the steps in scope, gives the class scores.
/// </summary>
public sealed class LeakyIntegrator : StatefulModule
{
    private readonly StateSlot state;

    public LeakyIntegrator(double beta = 0.5, string name = "integrator") : base(name)
    {
        if (!(beta >= 0 && beta <= 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "Integrator leak β must be in [0, 1].");
        Beta = beta;
        state = RegisterState("membrane");
        RegisterComponents();
    }

    public double Beta { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2)
            throw new ArgumentException($"Integrator input must be [time, batch, …]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        Tensor? membrane = state.ValueOrNull;
        var steps = (int)input.shape[0];
        var outputs = new Tensor[steps];
        var currents = input.unbind(0);   // see LifNeuron.forward
        for (var t = 0; t < steps; t++)
        {
            using (torch.NewDisposeScope())   // releases β·m at once (autograd keeps nothing of it)
                outputs[t] = (membrane is null ? currents[t].alias() : membrane * Beta + currents[t]).MoveToOuterDisposeScope();
            membrane = outputs[t];
        }
        var output = torch.stack(outputs);
        state.Set(membrane!.alias());
        foreach (var m in outputs) m.Dispose();   // the stacked copy holds the values now
        return output;
    }

    public override string ToString() => $"LeakyIntegrator(β={Beta})";
}
