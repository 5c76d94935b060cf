using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch.nn.functional;

namespace Snn.Layers;

/// <summary>
/// k×k max pooling with stride k as one autograd node that keeps, per output, only which of the k² inputs won (one
/// byte), where libtorch keeps the whole input and int64 indices. The output and its gradient are libtorch's: the same
/// winners (ties included, taken from max_pool2d_with_indices), and each input receives its output's gradient or 0 (the
/// windows do not overlap). Call through <see cref="Run"/>.
/// </summary>
internal sealed class MaxPoolFunction : SingleTensorFunction<MaxPoolFunction>
{
    public override string Name => "SnnMaxPool";

    /// <summary>Pools [M, C, H, W] by <paramref name="k"/>×<paramref name="k"/>, stride k, no padding (floor).</summary>
    public static Tensor Run(Tensor input, int k)
    {
        if (!(torch.is_grad_enabled() && input.requires_grad)) return max_pool2d(input, [k, k], [k, k]);
        using var scope = torch.NewDisposeScope();   // the node's cached output-sized tensor goes with it
        return apply(input, k).MoveToOuterDisposeScope();
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var k = (int)vars[1];
        var (output, indices) = max_pool2d_with_indices(input, [k, k], [k, k]);
        var width = input.shape[^1];
        // The flat index row·W + col of the winner → its place (row mod k)·k + (col mod k) inside its window.
        // In place, so that at most two int64 tensors of the output's size exist at a time.
        var row = indices.div(width, rounding_mode: RoundingMode.floor);
        row.remainder_(k).mul_(k);
        indices.remainder_(width).remainder_(k);
        row.add_(indices);
        indices.Dispose();
        var winner = row.to_type(ScalarType.Byte);
        row.Dispose();
        ctx.save_for_backward([winner]);
        ctx.save_data("pool", new Saved(k, input.shape, input.dtype));
        return output;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var winner = ctx.get_saved_variables()[0];
        var info = (Saved)ctx.get_data("pool");
        var k = info.K;
        long rows = grad_output.shape[^2], cols = grad_output.shape[^1];
        var gradInput = torch.zeros(info.Shape, dtype: info.DType, device: grad_output.device);
        for (var dy = 0; dy < k; dy++)
            for (var dx = 0; dx < k; dx++)
            {
                using var place = torch.NewDisposeScope();
                var target = gradInput[TensorIndex.Ellipsis, TensorIndex.Slice(dy, dy + k * rows, k), TensorIndex.Slice(dx, dx + k * cols, k)];
                target.copy_(grad_output.masked_fill(winner.ne(dy * k + dx), 0.0));
            }
        GradientRelease.ReleaseReceived([grad_output]);
        return [GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()), null!];
    }

    private sealed record Saved(int K, long[] Shape, ScalarType DType);
}
