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
/// windows do not overlap). The pooling runs on channels-last copies of a few samples at a time (faster, the same
/// numbers). Call through <see cref="Run"/>.
/// </summary>
internal sealed class MaxPoolFunction : SingleTensorFunction<MaxPoolFunction>
{
    public override string Name => "SnnMaxPool";

    /// <summary>
    /// Outputs whose gradient backward scatters at a time, in whole samples (two int64 index tensors: 0.5 MiB each per
    /// chunk; at 2^18 they were 4 MiB, W2's peak inside this backward once its convolution ran channels-last).
    /// </summary>
    internal const long ScatterChunkOutputs = 1L << 16;

    /// <summary>Pools [M, C, H, W] by <paramref name="k"/>×<paramref name="k"/>, stride k, no padding (floor).</summary>
    public static Tensor Run(Tensor input, int k)
    {
        // The winner's place must fit a byte.
        if (k > 16) return max_pool2d(input, [k, k], [k, k]);
        if (!(torch.is_grad_enabled() && input.requires_grad)) return Pool(input, k, withIndices: false).Output;
        using var scope = torch.NewDisposeScope();   // the node's cached output-sized tensor goes with it
        return apply(input, k).MoveToOuterDisposeScope();
    }

    /// <summary>Input elements pooled at a time through a channels-last copy (1 MiB of float32).</summary>
    internal const long PoolChunkElements = 1L << 18;

    // max_pool2d_with_indices, a chunk of samples at a time on a channels-last copy (a channels-last input needs none):
    // libtorch's channels-last kernel scans each window in the same order with the same rule (the first maximum, or a
    // NaN), so outputs and indices are the planar kernel's; it vectorises over channels where the planar one takes 2–4×
    // the time (W2's first pooling: ~12 of ~75 ms).
    private static (Tensor Output, Tensor? Winners) Pool(Tensor input, int k, bool withIndices)
    {
        long samples = input.shape[0], channels = input.shape[1], height = input.shape[2], width = input.shape[3];
        long[] shape = [samples, channels, height / k, width / k];
        var output = torch.empty(shape, dtype: input.dtype, device: input.device);
        var places = withIndices ? torch.empty(shape, dtype: ScalarType.Byte, device: input.device) : null;
        using var corners = withIndices ? Corners(shape[2], shape[3], width, k, input.device) : null;
        var chunk = Math.Max(1, PoolChunkElements / Math.Max(1, channels * height * width));
        for (long first = 0; first < samples; first += chunk)
        {
            using var part = torch.NewDisposeScope();
            var n = Math.Min(chunk, samples - first);
            var channelsLast = ChannelsLast.Of(input.narrow(0, first, n));
            // With indices also without a graph: the one kernel either way, so evaluation pools exactly as training does.
            var (pooled, winners) = max_pool2d_with_indices(channelsLast, [k, k], [k, k]);
            output.narrow(0, first, n).copy_(pooled);
            places?.narrow(0, first, n).copy_(Places(winners, corners!, width, k));
        }
        return (output, places);
    }

    // libtorch's flat index (row·W + col in the plane) → the winner's place dy·k + dx in its window, without integer
    // division: subtract the window's corner to get dy·W + dx, then take (W − k) off for every row below the first.
    // A chunk at a time, so the int64 indices never exist for the whole output (8 bytes per output).
    private static Tensor Places(Tensor indices, Tensor corners, long width, int k)
    {
        indices.sub_(corners);
        using var offset = indices.to_type(ScalarType.Int16);
        var winner = offset.clone();
        // In-place int16 comparisons (1 or 0, vectorised), not bool ones, which libtorch's CPU kernels run element by element.
        for (var j = 1; j < k; j++)
        {
            using var below = offset.clone().ge_(j * width);
            winner.sub_(below.mul_(width - k));
        }
        return winner.to_type(ScalarType.Byte);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var k = (int)vars[1];
        var (output, places) = Pool(input, k, withIndices: true);
        var winner = places!;
        ctx.save_for_backward([winner]);
        ctx.save_data("pool", new Saved(k, input.shape, input.dtype, ChannelsLast.Is(input)));
        return output;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var winner = ctx.get_saved_variables()[0];
        var info = (Saved)ctx.get_data("pool");
        var k = info.K;
        long rows = grad_output.shape[^2], cols = grad_output.shape[^1], height = info.Shape[^2], width = info.Shape[^1];
        // Each output's gradient scattered onto its winner's flat index in its plane (max_pool2d's backward), a chunk of
        // samples at a time: the int64 indices are the size of a chunk, not of the output (two output-sized ones set W3's
        // peak). The gradient takes the input's layout, so a channels-last convolution below gets its own (no copy in its
        // backward); either layout flattens a plane to one dimension of [N, C, H·W] (channels-last: stride C).
        var offsets = torch.tensor(Enumerable.Range(0, k * k).Select(i => (long)(i / k * width + i % k)).ToArray(), device: grad_output.device);
        var corners = Corners(rows, cols, width, k, grad_output.device).flatten();
        long samples = info.Shape[0], channels = info.Shape[1];
        var gradInput = info.ChannelsLast
            ? torch.zeros([samples, height, width, channels], dtype: info.DType, device: grad_output.device).permute(0, 3, 1, 2)
            : torch.zeros(info.Shape, dtype: info.DType, device: grad_output.device);
        var flatInput = gradInput.flatten(2);
        var flatGradient = grad_output.reshape([samples, channels, rows * cols]);
        var flatWinner = winner.view([samples, channels, rows * cols]);
        var chunk = Math.Max(1, ScatterChunkOutputs / (channels * rows * cols));
        for (long first = 0; first < samples; first += chunk)
        {
            using var part = torch.NewDisposeScope();
            var n = Math.Min(chunk, samples - first);
            var indices = offsets.take(flatWinner.narrow(0, first, n).to_type(ScalarType.Int64));
            indices.add_(corners);
            flatInput.narrow(0, first, n).scatter_(2, indices, flatGradient.narrow(0, first, n));
        }
        GradientRelease.ReleaseReceived([grad_output]);
        return [GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()), null!];
    }

    /// <summary>The flat index of each window's top-left input in its plane: [rows, cols].</summary>
    private static Tensor Corners(long rows, long cols, long width, int k, Device device) =>
        (torch.arange(rows, device: device) * (k * width)).unsqueeze(1) + torch.arange(cols, device: device) * k;

    private sealed record Saved(int K, long[] Shape, ScalarType DType, bool ChannelsLast);
}
