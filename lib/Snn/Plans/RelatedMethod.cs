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
