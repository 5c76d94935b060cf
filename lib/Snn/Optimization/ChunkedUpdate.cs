using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Optimization;

/// <summary>
/// What <see cref="ChunkedAdam"/> and <see cref="ChunkedSgd"/> share: an element-wise update of one parameter and its
/// state tensors in place, over chunks of flat views, and releasing gradients instead of zero-filling them.
/// </summary>
internal static class ChunkedUpdate
{
    /// <summary>
    /// Calls <paramref name="update"/> once per chunk with matching slices of the parameter, its gradient and each state
    /// tensor (null stays null). Flat views share storage, so in-place updates land in the tensors; a parameter or state
    /// that is not contiguous cannot be flattened and is updated whole, as by TorchSharp's optimizers.
    /// </summary>
    public static void Apply(Tensor param, Tensor grad, Tensor?[] state, long chunkElements, Action<Tensor, Tensor, Tensor?[]> update)
    {
        using var views = torch.NewDisposeScope();
        var flat = param.is_contiguous() && state.All(s => s is null || s.is_contiguous());
        var p = flat ? param.view(-1) : param;
        var g = flat ? grad.contiguous().view(-1) : grad;
        var s = state.Select(t => t is null ? null : flat ? t.view(-1) : t).ToArray();
        var n = flat ? p.shape[0] : 1;
        var size = flat ? chunkElements : 1;
        // A parameter in one piece is its flat view: no narrow per tensor (many small parameters step every window).
        Tensor Part(Tensor t, long start, long length) => flat && length < n ? t.narrow(0, start, length) : t;
        for (long start = 0; start < n; start += size)
        {
            using var chunk = torch.NewDisposeScope();
            var length = Math.Min(size, n - start);
            update(Part(p, start, length), Part(g, start, length), s.Select(t => t is null ? null : Part(t, start, length)).ToArray());
        }
    }

    /// <summary>
    /// PyTorch's zero_grad(set_to_none=True): the gradients are released, so the next backward stores each new gradient as
    /// it is instead of zero-filling the old one and adding into it — one weight-sized temporary less per update.
    /// </summary>
    public static void ReleaseGradients(OptimizerHelper optimizer)
    {
        foreach (var p in optimizer.parameters()) p.grad = null;
    }

    public static long Validated(long chunkElements) => chunkElements >= 1 ? chunkElements
        : throw new ArgumentOutOfRangeException(nameof(chunkElements), chunkElements, "Chunk size must be ≥ 1 element.");
}
