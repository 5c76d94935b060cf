using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Optimization;

/// <summary>
/// SGD with momentum as TorchSharp's <see cref="SGD"/> computes it — the same options and state, saved in the same
/// format, and the same element-wise operations in the same order, so results are bitwise equal — but updated in place
/// over chunks of at most <see cref="ChunkElements"/> elements, as <see cref="ChunkedAdam"/> is: with weight decay or
/// Nesterov momentum TorchSharp's step builds a parameter-sized temporary (64 MiB for the AlexNet's FC1024 weight), here
/// one chunk. The momentum buffers exist from the start, zero and typed and placed like their parameters, so a saved
/// state loads into them rather than into tensors the loader makes; a zero buffer's first update μ·0 + g is exactly
/// SGD's first buffer g.
/// </summary>
public sealed class ChunkedSgd : SGD
{
    public ChunkedSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weightDecay = 0, bool nesterov = false,
        bool maximize = false, long chunkElements = ChunkedAdam.DefaultChunkElements)
        : base(parameters, lr, momentum, dampening: 0, weightDecay, nesterov, maximize)
    {
        ChunkElements = ChunkedUpdate.Validated(chunkElements);
    }

    /// <summary>Largest number of elements updated at once.</summary>
    public long ChunkElements { get; }

    /// <summary>As <see cref="ChunkedAdam.zero_grad(bool)"/>: with true the gradients are released, not zero-filled.</summary>
    public void zero_grad(bool set_to_none)
    {
        if (set_to_none) ChunkedUpdate.ReleaseGradients(this);
        else zero_grad();
    }

    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        base.add_param_group(param_group);
        if (((Options)param_group.Options).momentum is not > 0) return;
        foreach (var p in param_group.Parameters)
            ((State)_state[p.Handle]).momentum_buffer = torch.zeros_like(p).DetachFromDisposeScope();
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = group.Options;
        double momentum = o.momentum!.Value, dampening = o.dampening!.Value, decay = o.weight_decay!.Value, lr = o.LearningRate!.Value;
        bool nesterov = o.nesterov!.Value, maximize = o.maximize!.Value;
        foreach (var param in group.Parameters)
        {
            if (param.grad is not { } grad) continue;
            var state = (State)_state[param.Handle];
            // A state loaded from one saved before any step has no buffer: SGD's first step sets it to the gradient.
            var first = momentum != 0 && state.momentum_buffer is null;
            if (first) state.momentum_buffer = torch.empty_like(param).DetachFromDisposeScope();
            var buffer = momentum != 0 ? state.momentum_buffer : null;
            ChunkedUpdate.Apply(param, grad, [buffer], ChunkElements, (p, gc, s) =>
            {
                if (decay != 0) gc = gc.add(p, alpha: decay);
                if (s[0] is { } bc)
                {
                    if (first) bc.copy_(gc);
                    else bc.mul_(momentum).add_(gc, alpha: 1 - dampening);
                    gc = nesterov ? gc.add(bc, alpha: momentum) : bc;
                }
                p.add_(gc, alpha: maximize ? lr : -lr);
            });
        }
    }, closure);
}
