using Snn.Plans;

namespace Snn.Benchmarks;

/// <summary>Peak step memory of one plan, measured (null where this process cannot measure) and modelled, in bytes.</summary>
public sealed record PlanMemory(TrainingPlan Plan, long? MeasuredBytes, double ModelBytes)
{
    /// <summary>Measured / model, or NaN when not measured.</summary>
    public double Ratio => MeasuredBytes is { } m ? m / ModelBytes : double.NaN;
    public double MeasuredMiB => MeasuredBytes is { } m ? m / 1048576.0 : double.NaN;
    public double ModelMiB => ModelBytes / 1048576.0;
}
