using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Optimization;

/// <summary>
/// Adam (Kingma and Ba 2015) as TorchSharp's <see cref="Adam"/> computes it — the same state, so state dicts and
/// checkpoints are interchangeable, and the same element-wise operations in the same order, so results are bitwise
/// equal — but each parameter is updated in place over chunks of at most <see cref="ChunkElements"/> elements.
/// TorchSharp's step builds two temporaries the size of the whole parameter (√v and the denominator): 128 MiB for the
/// 16.8 M-weight FC1024 layer of the spiking AlexNet, the largest part of a truncated-local step's peak memory.
/// Here the transient is one chunk (4 MiB of float32 by default).
/// </summary>
public sealed class ChunkedAdam : Adam
{
    /// <summary>Default chunk: 2²⁰ elements.</summary>
    public const long DefaultChunkElements = 1L << 20;

    public ChunkedAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false, long chunkElements = DefaultChunkElements)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
        ChunkElements = ChunkedUpdate.Validated(chunkElements);
    }

    /// <summary>Largest number of elements updated at once (the size of the step's only temporary).</summary>
    public long ChunkElements { get; }

    /// <summary>
    /// PyTorch's zero_grad(set_to_none) (true is its default since 2.0): with true the gradients are released, so the
    /// next backward stores each new gradient as it is instead of zero-filling the old one and adding into it — one
    /// weight-sized temporary less per update (64 MiB for the AlexNet's FC1024 layer). Parameters without a gradient are
    /// skipped by <see cref="step"/>, as in Adam.
    /// </summary>
    public void zero_grad(bool set_to_none)
    {
        if (set_to_none) ChunkedUpdate.ReleaseGradients(this);
        else zero_grad();
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, decay = o.weight_decay!.Value, eps = o.eps!.Value, lr = o.LearningRate!.Value;
        bool amsgrad = o.amsgrad!.Value, maximize = o.maximize!.Value;
        foreach (var param in group.Parameters)
        {
            if (param.grad is not { } grad) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            var correction1 = 1 - Math.Pow(beta1, state.step);
            var correction2 = Math.Sqrt(1 - Math.Pow(beta2, state.step));
            var stepSize = lr / correction1;
            ChunkedUpdate.Apply(param, grad, [state.exp_avg, state.exp_avg_sq, amsgrad ? state.max_exp_avg_sq : null], ChunkElements,
                (p, gc, s) =>
                {
                    var (mc, vc, mx) = (s[0]!, s[1]!, s[2]);
                    if (maximize) gc = -gc;
                    if (decay != 0) gc = gc.add(p, alpha: decay);
                    mc.mul_(beta1).add_(gc, alpha: 1 - beta1);
                    vc.mul_(beta2).addcmul_(gc, gc, value: 1 - beta2);
                    Tensor second = vc;
                    if (mx is not null)
                    {
                        mx.copy_(torch.maximum(mx, vc));
                        second = mx;
                    }
                    var denominator = second.sqrt().div_(correction2).add_(eps);
                    p.addcdiv_(mc, denominator, value: -stepSize);
                });
        }
    }, closure);
}
