using Snn.Plans;

namespace Snn.Costs;

/// <summary>Costs of one training step under a plan; per-stage breakdown in <see cref="Stages"/> (local heads last).</summary>
public sealed record CostReport(
    TrainingPlan Plan, int Batch, IReadOnlyList<StageCost> Stages,
    double RetainedActivationBytes, double PeakStepBytes, double PersistentBytes,
    double EncodedInputBytes, double CarriedStateBytes, double BackwardTransientBytes, double BlockOutputBytes,
    CostOptions Options)
{
    public double Macs => Stages.Sum(s => s.Macs);
    public double Acs => Stages.Sum(s => s.Acs);
    public double MacsOf(CostPhase phase) => Stages.Sum(s => s.MacsOf(phase));
    public double AcsOf(CostPhase phase) => Stages.Sum(s => s.AcsOf(phase));
    public double AccessBytes => Stages.Sum(s => s.AccessBytes);
    public double WeightAccessBytes => Stages.Sum(s => s.WeightBytes);
    public double ActivationAccessBytes => Stages.Sum(s => s.ActivationBytes);
    public double GradientAccessBytes => Stages.Sum(s => s.GradientBytes);
    public double OptimizerAccessBytes => Stages.Sum(s => s.OptimizerBytes);
    /// <summary>Energy of the arithmetic in picojoules (ACs and MACs at the configured costs).</summary>
    public double EnergyPicojoules => Acs * Options.PicojoulesPerAc + Macs * Options.PicojoulesPerMac;
    /// <summary>Floating-point operations actually executed by dense kernels: 2 per MAC or AC (multiply + add).</summary>
    public double Flops => 2 * (Macs + Acs);

    public override string ToString() =>
        $"{Plan}, batch {Batch}: {Macs:G4} MACs, {Acs:G4} ACs, {AccessBytes / 1e6:F1} MB accessed, retained {RetainedActivationBytes / 1e6:F1} MB "
        + $"(peak step {PeakStepBytes / 1e6:F1} MB, persistent {PersistentBytes / 1e6:F1} MB), {EnergyPicojoules / 1e6:F2} µJ";
}
