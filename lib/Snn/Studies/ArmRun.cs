namespace Snn.Studies;

/// <summary>
/// One finished run of an <see cref="ArmSummary"/>: its seed, its folder (runs.csv's "path", relative to the results
/// root) and its optimizer steps.
/// </summary>
public sealed record ArmRun(int Seed, string Path, long OptimizerSteps);
