using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch.nn.functional;

namespace Snn.Layers;

/// <summary>
/// A linear synapse on binary input (spikes) as one autograd node that keeps the input for the weight gradient as bool
/// (1 byte per element instead of 4; exact for 0/1 values) and expands it back in chunks of rows during backward. The
/// output is <c>linear</c>'s; the gradients are libtorch's formulas (input: grad·W, weight: gradᵀ·x, bias: Σ grad), the
/// weight gradient summed chunk by chunk. Call through <see cref="Run"/>.
/// </summary>
internal sealed class SpikeLinearFunction : SingleTensorFunction<SpikeLinearFunction>
{
    /// <summary>Elements of the input expanded to the compute dtype at a time during backward.</summary>
    internal const long ChunkElements = 1L << 18;

    public override string Name => "SnnSpikeLinear";

    /// <summary>
    /// True when keeping <paramref name="inputElements"/> as bool saves more (3 bytes each) than the weight-sized copy of
    /// the weight gradient it costs (autograd copies a gradient a TorchSharp custom backward returns, 4 bytes per weight).
    /// </summary>
    public static bool Pays(double inputElements, double weightElements) => 3 * inputElements > 4 * weightElements;

    /// <summary><paramref name="input"/> [M, in] of 0/1 values; <paramref name="bias"/> may be null.</summary>
    public static Tensor Run(Tensor input, Tensor weight, Tensor? bias)
    {
        if (!(torch.is_grad_enabled() && input.requires_grad)) return linear(input, weight, bias);
        using var scope = torch.NewDisposeScope();
        return apply(input, weight, bias!).MoveToOuterDisposeScope();
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        ctx.save_for_backward([input.ne(0.0), weight]);
        ctx.save_data("hasBias", bias is not null);
        return linear(input, weight, bias);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (bits, weight) = (saved[0], saved[1]);
        var gradInput = grad_output.mm(weight);
        var gradWeight = torch.zeros_like(weight);
        var rows = bits.shape[0];
        var chunk = Math.Max(1, ChunkElements / Math.Max(1, bits.shape[1]));
        for (long r = 0; r < rows; r += chunk)
        {
            using var part = torch.NewDisposeScope();
            var n = Math.Min(chunk, rows - r);
            gradWeight.add_(grad_output.narrow(0, r, n).t().mm(bits.narrow(0, r, n).to_type(grad_output.dtype)));
        }
        var gradBias = (bool)ctx.get_data("hasBias") ? GradientRelease.Returned(grad_output.sum([0L]).MoveToOuterDisposeScope()) : null;
        GradientRelease.ReleaseReceived([grad_output]);
        return [GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()), GradientRelease.Returned(gradWeight.MoveToOuterDisposeScope()), gradBias!];
    }
}
