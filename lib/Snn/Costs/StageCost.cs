namespace Snn.Costs;

/// <summary>
/// Cost of one stage (or local head) in one training step, per phase. Ops are for the whole batch and
/// all T steps. <see cref="RetainedBytesPerStep"/>: what this stage holds for backward per time step
/// for the whole batch.
/// </summary>
public sealed record StageCost(
    int Index, string Name, int Block, bool IsHead,
    double ForwardMacs, double ForwardAcs,
    double ErrorPropagationMacs,
    double WeightGradientMacs, double WeightGradientAcs,
    double OptimizerMacs,
    double WeightBytes, double ActivationBytes, double GradientBytes, double OptimizerBytes,
    double RetainedBytesPerStep, long Parameters)
{
    public double Macs => ForwardMacs + ErrorPropagationMacs + WeightGradientMacs + OptimizerMacs;
    public double Acs => ForwardAcs + WeightGradientAcs;
    public double AccessBytes => WeightBytes + ActivationBytes + GradientBytes + OptimizerBytes;
    public double MacsOf(CostPhase phase) => phase switch
    {
        CostPhase.Forward => ForwardMacs,
        CostPhase.ErrorPropagation => ErrorPropagationMacs,
        CostPhase.WeightGradient => WeightGradientMacs,
        _ => OptimizerMacs,
    };
    public double AcsOf(CostPhase phase) => phase switch
    {
        CostPhase.Forward => ForwardAcs,
        CostPhase.WeightGradient => WeightGradientAcs,
        _ => 0,
    };
}
