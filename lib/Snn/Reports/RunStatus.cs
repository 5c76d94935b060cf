namespace Snn.Reports;

/// <summary>Where a run's folder stands (docs/experiments.md): summary.json = finished, failure.json = failed, else incomplete.</summary>
public enum RunStatus
{
    /// <summary>summary.json present: the run is done.</summary>
    Finished,
    /// <summary>failure.json present and no summary.json: training diverged.</summary>
    Failed,
    /// <summary>config.json but neither summary.json nor failure.json: interrupted, or still running.</summary>
    Incomplete,
}
