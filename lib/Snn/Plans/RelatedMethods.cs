namespace Snn.Plans;

/// <summary>The defining knobs of each <see cref="RelatedMethod"/>, in one table.</summary>
public static class RelatedMethods
{
    private static readonly RelatedMethodKnobs Sltt =
        new("SLTT", false, UpdatePolicy.Accumulate, LocalHeadKind.PoolLinear, LossKind.CrossEntropy, PresynapticTrace: false, SampledSteps: false);

    /// <summary>The knobs that define <paramref name="method"/>.</summary>
    public static RelatedMethodKnobs Knobs(this RelatedMethod method) => method switch
    {
        RelatedMethod.Sltt => Sltt,
        RelatedMethod.SlttK => Sltt with { Name = "SLTT-K", SampledSteps = true },
        RelatedMethod.OtttA => Sltt with { Name = "OTTT_A", PresynapticTrace = true },
        RelatedMethod.OtttO => Sltt with { Name = "OTTT_O", PresynapticTrace = true, Update = UpdatePolicy.PerWindowAndBlock },
        RelatedMethod.Decolle => Sltt with
        {
            Name = "DECOLLE",
            BlockPerStage = true,
            Update = UpdatePolicy.PerWindowAndBlock,
            Head = LocalHeadKind.FixedRandom,
            Loss = LossKind.RateMse,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown related method."),
    };
}
