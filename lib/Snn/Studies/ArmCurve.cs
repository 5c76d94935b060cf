namespace Snn.Studies;

/// <summary>
/// The learning curve of one arm in one setting: test accuracy after every evaluated epoch (mean ± std over the seeds
/// whose epochs.csv has it), against the optimizer steps made by then. Steps per epoch are the run's optimizer_steps
/// divided by its epochs: every plan takes the same number of steps in every batch, so epochs are equal in steps.
/// <see cref="LastChanges"/>: per run, |test accuracy at its last evaluated epoch − at the one before| (a convergence
/// criterion is stated per run; a run with one evaluated epoch has none).
/// </summary>
public sealed record ArmCurve(string Setting, string Arm, IReadOnlyList<ArmCurvePoint> Points, IReadOnlyList<double> LastChanges);
