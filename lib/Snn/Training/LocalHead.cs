using TorchSharp.Modules;
using static TorchSharp.torch;
using Snn.Plans;

namespace Snn.Training;

/// <summary>
/// A local classifier on a block's output: maps the block's window-averaged output [N, …] to class
/// scores [N, classes]. Heads are linear, so averaging over the window first equals averaging the
/// per-step scores, and is cheaper.
/// </summary>
public sealed class LocalHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear;
    private readonly bool pools;

    public LocalHead(long[] inputShape, long classes, LocalHeadKind kind, string name = "head") : base(name)
    {
        Kind = kind;
        InputShape = inputShape;
        pools = LocalHeadShape.Pools(kind, inputShape);
        var learnable = LocalHeadShape.Learnable(kind);
        linear = nn.Linear(LocalHeadShape.Features(kind, inputShape), classes, hasBias: learnable);
        RegisterComponents();
        if (!learnable)
            foreach (var p in linear.parameters()) p.requires_grad = false;   // a fixed projection (DECOLLE)
    }

    public LocalHeadKind Kind { get; }
    public long[] InputShape { get; }

    /// <summary><paramref name="averaged"/>: the block output averaged over the window, [N, …InputShape].</summary>
    public override Tensor forward(Tensor averaged)
    {
        var x = pools
            ? averaged.mean([-2, -1])               // global average pool over space
            : averaged.flatten(1);
        return linear.forward(x);
    }

    public override string ToString() => LocalHeadShape.Learnable(Kind)
        ? $"{(pools ? "global avg pool → " : "")}linear {linear.in_features}→{linear.out_features} (learnable)"
        : $"fixed random projection {linear.in_features}→{linear.out_features}";
}
