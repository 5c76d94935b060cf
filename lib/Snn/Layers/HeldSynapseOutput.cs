using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// A stage's stateless output (synapse, pooling) for a constant input, computed once and reused by every window of a
/// batch while the weights stay fixed (<see cref="Stage.HoldConstantInput"/>): a truncated plan that accumulates its
/// gradients then runs the synapse once per batch, as BPTT does, instead of once per window. Each window gets a leaf that
/// shares the output's storage; after the window's backward, <see cref="Backward"/> sends the leaf's gradient through the
/// kept synapse graph, so every window adds the weight gradient it added before, with the same operations in the same order.
/// With <paramref name="sum"/> the windows' gradients are summed instead and sent through once by <see cref="Flush"/>, as
/// BPTT does: one synapse backward per batch, the same gradient up to float rounding.
/// </summary>
internal sealed class HeldSynapseOutput(bool sum) : IDisposable
{
    private Tensor? output;   // with the synapse's graph, kept (retain_graph) for every window's backward
    private Tensor? window;   // this window's leaf
    private Tensor? summed;   // with sum: the windows' gradients so far

    /// <summary>
    /// The output for <paramref name="input"/> [N, …], the same at every call until <see cref="Dispose"/> (one batch's input;
    /// made by <paramref name="stateless"/> on first use, with its graph even where that call runs without one): a leaf
    /// requiring gradient when the call records a graph, else an alias.
    /// </summary>
    public Tensor For(Tensor input, Func<Tensor, Tensor> stateless)
    {
        ReleaseWindow();
        if (output is null)
        {
            // Made with its graph, so that a later window that backpropagates can use it (SLTT-K's untaken steps come first).
            using (torch.enable_grad()) output = stateless(input).DetachFromDisposeScope();
        }
        if (!(torch.is_grad_enabled() && output.requires_grad)) return output.detach();
        window = output.detach().requires_grad_().DetachFromDisposeScope();
        return window;
    }

    /// <summary>After the window's backward: its gradient into the synapse (and pooling) parameters, as the window's own graph would have sent it.</summary>
    public void Backward()
    {
        if (window is null) return;
        using (torch.NewDisposeScope())
        {
            if (window.grad is { } gradient)
            {
                if (!sum) output!.backward([gradient], retain_graph: true);
                else if (summed is null) summed = gradient.clone().DetachFromDisposeScope();
                else summed.add_(gradient);
            }
        }
        ReleaseWindow();
    }

    /// <summary>With sum, at the end of the batch: the summed gradient into the synapse's parameters (the graph is freed).</summary>
    public void Flush()
    {
        if (summed is null) return;
        output!.backward([summed]);
        summed.Dispose();
        summed = null;
    }

    private void ReleaseWindow()
    {
        if (window is null) return;
        window.grad = null;   // its graph's AccumulateGrad node keeps the leaf until the block's scope ends; not its gradient
        window.Dispose();
        window = null;
    }

    public void Dispose()
    {
        ReleaseWindow();
        summed?.Dispose();
        summed = null;
        output?.Dispose();
        output = null;
    }
}
