namespace Snn.Plans;

/// <summary>
/// The shape rule of a local head, shared by the head itself (Snn.Training) and the cost model (Snn.Costs) so that the
/// model counts what the trainer builds: a <see cref="LocalHeadKind.PoolLinear"/> head on a conv output [C, H, W] pools
/// over space first and maps C features; any other head maps the flattened output.
/// </summary>
public static class LocalHeadShape
{
    /// <summary>True when the head pools <paramref name="inputShape"/> (per sample, without time and batch) over space.</summary>
    public static bool Pools(LocalHeadKind kind, IReadOnlyList<long> inputShape) => kind == LocalHeadKind.PoolLinear && inputShape.Count == 3;

    /// <summary>Inputs of the head's linear map: the channels when it pools, every element otherwise.</summary>
    public static long Features(LocalHeadKind kind, IReadOnlyList<long> inputShape) =>
        Pools(kind, inputShape) ? inputShape[0] : inputShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Whether the optimizer trains the head (a fixed random projection is DECOLLE's).</summary>
    public static bool Learnable(LocalHeadKind kind) => kind == LocalHeadKind.PoolLinear;
}
