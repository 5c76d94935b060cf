namespace Snn.Experiments;

/// <summary>
/// How much work a notebook or experiment does: smoke (seconds, CI), quick (minutes on 2 CPU cores),
/// full (what a GPU user runs). Read from the SNN_PROFILE environment variable.
/// </summary>
public enum Profile { Smoke, Quick, Full }
