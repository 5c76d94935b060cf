namespace Snn.Plans;

/// <summary>
/// A published neighbour of the kit's method that a plan reproduces with its knobs (docs/method.md, "Related methods as
/// plans"). It names the plan (<see cref="TrainingPlan.Mode"/>) and fixes the knobs that define the method
/// (<see cref="RelatedMethods.Knobs"/>); the trainer runs it as any plan.
/// </summary>
public enum RelatedMethod
{
    /// <summary>SLTT (Meng et al., ICCV 2023): K = 1, one block, Accumulate — a loss per step, spatial gradient only, one update per batch.</summary>
    Sltt,
    /// <summary>SLTT-K: SLTT backpropagating only <see cref="TrainingPlan.SampledSteps"/> of the T steps, drawn at random per batch.</summary>
    SlttK,
    /// <summary>DECOLLE (Kaiser, Mostafa and Neftci 2020): K = 1, B = 1, fixed random heads, an update per step and layer.</summary>
    Decolle,
    /// <summary>OTTT_A (Xiao et al., NeurIPS 2022): K = 1, one block, the presynaptic trace, Accumulate — one update per batch.</summary>
    OtttA,
    /// <summary>OTTT_O: OTTT_A with an update after every step (PerWindowAndBlock).</summary>
    OtttO,
}

/// <summary>
/// The knobs that define a <see cref="RelatedMethod"/>: <see cref="TrainingPlan.For"/> builds a plan from them,
/// <see cref="TrainingPlan.Validated"/> and the config reader ("plan.method") refuse a plan or config that contradicts them.
/// Every method has K = 1 (a gradient window per step).
/// </summary>
/// <param name="Name">The plan's name (<see cref="TrainingPlan.Mode"/>).</param>
/// <param name="BlockPerStage">True: every stage its own block (B = 1); false: the network as one block.</param>
/// <param name="Update">When the optimizer steps.</param>
/// <param name="Head">The local readouts (they matter only with several blocks).</param>
/// <param name="Loss">The loss.</param>
/// <param name="PresynapticTrace">OTTT's presynaptic-trace weight gradient (<see cref="TrainingPlan.PresynapticTrace"/>).</param>
/// <param name="SampledSteps">True: backpropagates only <see cref="TrainingPlan.SampledSteps"/> of the T steps (SLTT-K).</param>
public sealed record RelatedMethodKnobs(string Name, bool BlockPerStage, UpdatePolicy Update, LocalHeadKind Head, LossKind Loss,
    bool PresynapticTrace, bool SampledSteps);

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
