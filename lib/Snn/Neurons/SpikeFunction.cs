using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Snn.Neurons;

/// <summary>
/// Heaviside forward, surrogate derivative backward: a custom autograd function, so only x = u − θ is
/// kept for backward (cheaper than a straight-through expression graph).
/// Call through <see cref="Surrogate.Spike"/>.
/// </summary>
public sealed class SpikeFunction : SingleTensorFunction<SpikeFunction>
{
    private const string SurrogateKey = "surrogate";

    public override string Name => "SnnSpike";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var surrogate = (Surrogate)vars[1];
        ctx.save_for_backward([x]);
        ctx.save_data(SurrogateKey, surrogate);
        return Firing.Spikes(x);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        // Local scope: temporaries of the surrogate die here, not at the end of the caller's step.
        using var scope = torch.NewDisposeScope();
        var x = ctx.get_saved_variables()[0];
        var surrogate = (Surrogate)ctx.get_data(SurrogateKey);
        var grad = (grad_output * surrogate.Derivative(x)).MoveToOuterDisposeScope();
        return [grad, null!];
    }
}
