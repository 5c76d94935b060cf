using Snn.Costs;

namespace Snn.Experiments;

/// <summary>The analytic costs of one training step (one batch) of a run's plan (<see cref="CostModel.Estimate"/>, dense firing).</summary>
public sealed record RunCosts(
    double Macs, double Acs, double AccessBytes, double ModelledPeakStepBytes, double RetainedActivationBytes,
    double PersistentBytes, double EnergyPicojoules)
{
    public static RunCosts Of(CostReport r) =>
        new(r.Macs, r.Acs, r.AccessBytes, r.PeakStepBytes, r.RetainedActivationBytes, r.PersistentBytes, r.EnergyPicojoules);
}
