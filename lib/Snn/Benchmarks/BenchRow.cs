namespace Snn.Benchmarks;

/// <summary>
/// One (workload, mode) row of `snn bench` (part of the --json schema: field names and order are kept). W4's rows (one per n,
/// told apart by Plan) hold the median forward and backward milliseconds too; its cost-model fields are NaN (not modelled).
/// </summary>
public sealed record BenchRow(
    string Workload, string Mode, string Plan, int Batch, int TimeSteps,
    double MedianMs, double MinMs, double MaxMs, double SamplesPerSecond,
    long? MeasuredPeakBytes, double ModelPeakBytes, double RetainedBytes, double PersistentBytes,
    double Macs, double Acs, double AcsAtFiringRates, double Gflops, double[] FiringRates,
    long? ResidentPeakBytes = null, long OverheadBytes = 0, double? ForwardMs = null, double? BackwardMs = null)
{
    /// <summary>Measured (exact counter where loaded) / (model + the runtime overhead of a tiny step).</summary>
    public double? PeakRatio => MeasuredPeakBytes is { } m && ModelPeakBytes > 0 ? m / (ModelPeakBytes + OverheadBytes) : null;
}
