namespace Snn.Training;

/// <summary>A measured peak step memory (MiB) at <paramref name="TimeSteps"/> time steps (<see cref="MemoryVsTimeSteps"/>).</summary>
public sealed record MemoryScalingPoint(int TimeSteps, double MiB);
