namespace Snn.Experiments;

/// <summary>A run's folder and summary; <see cref="AlreadyDone"/> when the folder held a finished run that was not redone.</summary>
public sealed record ExperimentResult(string Directory, RunSummary Summary, bool AlreadyDone);
