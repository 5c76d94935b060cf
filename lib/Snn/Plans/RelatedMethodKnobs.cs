namespace Snn.Plans;

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
