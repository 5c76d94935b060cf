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
/// weight gradient summed chunk by chunk. With a compute dtype below the input's (bfloat16, <see cref="SynapsePrecision"/>)
/// the products run in it and their results come back in the input's dtype, as the casts around libtorch's op would.
/// Call through <see cref="Run"/>.
/// </summary>
internal sealed class SpikeLinearFunction : SingleTensorFunction<SpikeLinearFunction>
{
    /// <summary>Elements of the input expanded to the compute dtype at a time during backward.</summary>
    internal const long ChunkElements = 1L << 18;

    public override string Name => "SnnSpikeLinear";

    /// <summary>
    /// True when keeping <paramref name="inputElements"/> as bool (1 byte each, plus the float32 weight-sized copy of the
    /// weight gradient that autograd makes of a gradient a TorchSharp custom backward returns) costs less than libtorch's
    /// path, which keeps the input in the compute dtype (<paramref name="computeBytes"/> each) and, below float32, a
    /// weight copy in it too. For float32: 3 · input > 4 · weight.
    /// </summary>
    public static bool Pays(double inputElements, double weightElements, int computeBytes = 4)
    {
        var standard = computeBytes * inputElements + (computeBytes < 4 ? computeBytes * weightElements : 0);
        return inputElements + 4 * weightElements < standard;
    }

    /// <summary>
    /// <paramref name="input"/> [M, in] of 0/1 values; <paramref name="bias"/> may be null; <paramref name="compute"/>:
    /// the dtype of the products (null: the input's).
    /// </summary>
    public static Tensor Run(Tensor input, Tensor weight, Tensor? bias, ScalarType? compute = null)
    {
        var dtype = compute ?? input.dtype;
        if (!(torch.is_grad_enabled() && input.requires_grad)) return Linear(input, weight, bias, dtype);
        using var scope = torch.NewDisposeScope();
        return apply(input, weight, bias!, dtype).MoveToOuterDisposeScope();
    }

    /// <summary>linear() in the compute dtype, the result in the input's.</summary>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, ScalarType compute)
    {
        if (compute == input.dtype) return linear(input, weight, bias);
        using var scope = torch.NewDisposeScope();
        return linear(input.to_type(compute), weight.to_type(compute), bias?.to_type(compute)).to_type(input.dtype).MoveToOuterDisposeScope();
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        var compute = (ScalarType)vars[3];
        ctx.save_for_backward([input.ne(0.0), weight]);
        ctx.save_data("hasBias", bias is not null);
        ctx.save_data("compute", compute);
        return Linear(input, weight, bias, compute);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        var saved = ctx.get_saved_variables();
        var (bits, compute) = (saved[0], (ScalarType)ctx.get_data("compute"));
        var (gradInput, gradWeight, gradBias) = Gradients(bits.shape[0], bits.shape[1], (r, n) => bits.narrow(0, r, n).to_type(compute), saved[1],
            grad_output, compute, (bool)ctx.get_data("hasBias"));
        GradientRelease.ReleaseReceived([grad_output]);
        return
        [
            GradientRelease.Returned(gradInput), GradientRelease.Returned(gradWeight),
            gradBias is null ? null! : GradientRelease.Returned(gradBias), null!,
        ];
    }

    /// <summary>
    /// The input, weight and bias gradients (null without a bias) of the product over an input of <paramref name="rows"/> ×
    /// <paramref name="width"/> 0/1 values that <paramref name="inputRows"/> gives back (rows r … r + n − 1, in the compute
    /// dtype), as tensors of the caller's scope: libtorch's formulas, the weight gradient summed chunk by chunk of rows.
    /// </summary>
    internal static (Tensor Input, Tensor Weight, Tensor? Bias) Gradients(long rows, long width, Func<long, long, Tensor> inputRows, Tensor weight,
        Tensor gradOutput, ScalarType compute, bool hasBias)
    {
        using var scope = torch.NewDisposeScope();
        var low = compute != gradOutput.dtype;
        // Reduced precision: the gradient arrives in the compute dtype (the backward of the output's cast), the products
        // run in it, and the input and weight gradients leave in the full dtype (the backward of the casts in).
        var g = low ? gradOutput.to_type(compute) : gradOutput;
        var gradInput = low ? g.mm(weight.to_type(compute)).to_type(gradOutput.dtype) : g.mm(weight);
        var gradWeight = torch.zeros_like(weight);
        var chunk = Math.Max(1, ChunkElements / Math.Max(1, width));
        for (long r = 0; r < rows; r += chunk)
        {
            using var part = torch.NewDisposeScope();
            var n = Math.Min(chunk, rows - r);
            gradWeight.add_(g.narrow(0, r, n).t().mm(inputRows(r, n)));
        }
        var gradBias = hasBias ? (low ? g.sum([0L]).to_type(gradOutput.dtype) : g.sum([0L])).MoveToOuterDisposeScope() : null;
        return (gradInput.MoveToOuterDisposeScope(), gradWeight.MoveToOuterDisposeScope(), gradBias);
    }
}
