using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// One evaluated epoch of an <see cref="ArmCurve"/>: the optimizer steps made by its end and the test accuracy over the
/// seeds evaluated then.
/// </summary>
public sealed record ArmCurvePoint(int Epoch, long OptimizerSteps, MeanStd TestAccuracy);
