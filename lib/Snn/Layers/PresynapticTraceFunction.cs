using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch.nn.functional;

namespace Snn.Layers;

/// <summary>
/// A linear or convolutional synapse whose weight gradient is formed from the presynaptic trace â instead of its input
/// x (OTTT, Xiao et al. 2022; <see cref="Plans.TrainingPlan.PresynapticTrace"/>). The output is the synapse's
/// (linear: x·Wᵀ + b, conv: conv2d(x, W, b), the same libtorch op the module runs), and so are the input gradient
/// (g·W; the transposed convolution of g) and the bias gradient (Σ g, as OTTT's code leaves it). The weight gradient is
/// gᵀ·â (linear) or the convolution's weight gradient at input â: one product per gradient, as the plain synapse. For
/// backward it keeps the trace (float, input-sized) and the weight, where the plain synapse keeps its input (float; bool
/// for the compact linear synapse on spikes, <see cref="SpikeLinearFunction"/>). Call through <see cref="Run"/>.
/// </summary>
internal sealed class PresynapticTraceFunction : SingleTensorFunction<PresynapticTraceFunction>
{
    public override string Name => "SnnPresynapticTrace";

    /// <summary>A convolution's geometry (groups 1, zero padding).</summary>
    internal sealed record Conv(long[] Stride, long[] Padding, long[] Dilation);

    /// <summary>
    /// <paramref name="input"/> [M, in] (linear) or [M, C, H, W] (<paramref name="conv"/> given); <paramref name="trace"/>
    /// of the same shape, without gradient history; <paramref name="bias"/> may be null.
    /// </summary>
    public static Tensor Run(Tensor input, Tensor trace, Tensor weight, Tensor? bias, Conv? conv)
    {
        if (!trace.shape.SequenceEqual(input.shape))
            throw new ArgumentException($"The trace [{string.Join(", ", trace.shape)}] must have the input's shape [{string.Join(", ", input.shape)}].",
                nameof(trace));
        if (!torch.is_grad_enabled() || !(weight.requires_grad || input.requires_grad || bias is { requires_grad: true }))
            return Forward(input, weight, bias, conv);
        // Own scope: TorchSharp's node caches an empty tensor the size of the output; it goes with this scope.
        using var scope = torch.NewDisposeScope();
        return apply(input, trace, weight, bias!, conv!).MoveToOuterDisposeScope();
    }

    private static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, Conv? conv) =>
        conv is null ? linear(input, weight, bias) : conv2d(input, weight, bias, conv.Stride, conv.Padding, conv.Dilation);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var trace = (Tensor)vars[1];
        var weight = (Tensor)vars[2];
        var bias = vars[3] as Tensor;
        var conv = vars[4] as Conv;
        // The trace instead of the input: with K = 1 it is the stage's carried trace itself, so nothing more is kept.
        ctx.save_for_backward([trace, weight]);
        ctx.save_data("synapse", new Saved(conv, input.shape, input.requires_grad, weight.requires_grad, bias is { requires_grad: true }));
        return Forward(input, weight, bias, conv);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (trace, weight) = (saved[0], saved[1]);
        var info = (Saved)ctx.get_data("synapse");
        var g = grad_output;
        Tensor? gradInput = null, gradWeight = null, gradBias = null;
        if (info.Conv is not { } conv)
        {
            if (info.InputGradient) gradInput = g.mm(weight);
            if (info.WeightGradient) gradWeight = g.t().mm(trace);
            if (info.BiasGradient) gradBias = g.sum([0L]);
        }
        else
        {
            if (info.InputGradient) gradInput = ConvInputGradient(g, weight, info.InputShape, conv);
            if (info.WeightGradient) gradWeight = ConvWeightGradient(g, trace, weight.shape, conv);
            if (info.BiasGradient) gradBias = g.sum([0L, 2L, 3L]);
        }
        GradientRelease.ReleaseReceived([grad_output]);
        return [Returned(gradInput), null!, Returned(gradWeight), Returned(gradBias), null!];
    }

    private static Tensor Returned(Tensor? gradient) => gradient is null ? null! : GradientRelease.Returned(gradient.MoveToOuterDisposeScope());

    /// <summary>
    /// conv2d's input gradient: the transposed convolution of <paramref name="g"/>, with the output padding that restores
    /// the input's size. Where the kernel policy pads a float32 CPU convolution's channels (oneDNN's backward-data kernel,
    /// docs/precision.md), the same zero filters are added here: they add nothing.
    /// </summary>
    internal static Tensor ConvInputGradient(Tensor g, Tensor weight, long[] inputShape, Conv conv)
    {
        long[] outputPadding = [.. Enumerable.Range(0, 2).Select(d =>
            (inputShape[2 + d] + 2 * conv.Padding[d] - conv.Dilation[d] * (weight.shape[2 + d] - 1) - 1) % conv.Stride[d])];
        var outChannels = weight.shape[0];
        if (outChannels % 16 != 0 && g.dtype == ScalarType.Float32 && g.device.type == DeviceType.CPU && SynapseKernelPolicy.For(g.device).PadConvChannels)
        {
            var extra = (outChannels + 15) / 16 * 16 - outChannels;
            weight = torch.cat([weight, torch.zeros([extra, .. weight.shape[1..]], dtype: weight.dtype, device: weight.device)]);
            g = torch.cat([g, torch.zeros([g.shape[0], extra, .. g.shape[2..]], dtype: g.dtype, device: g.device)], 1);
        }
        return conv_transpose2d(g, weight, null, conv.Stride, conv.Padding, outputPadding, conv.Dilation);
    }

    /// <summary>
    /// ∂/∂W of Σ g·conv2d(â, W): the correlation of the trace with <paramref name="g"/> over batch and positions, as one
    /// convolution with batch and channels swapped (â as [C_in, M, H, W], g as the kernel [C_out, M, H_out, W_out]; the
    /// conv's stride becomes this one's dilation and its dilation the stride), cut to the kernel's size.
    /// </summary>
    internal static Tensor ConvWeightGradient(Tensor g, Tensor trace, long[] weightShape, Conv conv)
    {
        var r = conv2d(trace.transpose(0, 1), g.transpose(0, 1), null, conv.Dilation, conv.Padding, conv.Stride);
        return r.narrow(2, 0, weightShape[2]).narrow(3, 0, weightShape[3]).transpose(0, 1).contiguous();
    }

    /// <summary>What backward needs besides the saved tensors.</summary>
    private sealed record Saved(Conv? Conv, long[] InputShape, bool InputGradient, bool WeightGradient, bool BiasGradient);
}
