namespace Snn.Experiments;

/// <summary>
/// A run a sweep expects (results/&lt;experiment&gt;/&lt;run id&gt;/). With its canonical config a missing run is counted
/// in its configuration's row of the report; without it only in the report's total of missing runs.
/// </summary>
public sealed record ExpectedRun(string Experiment, string RunId, string? CanonicalConfig = null)
{
    public static ExpectedRun Of(ExperimentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ExpectedRun(config.Experiment, config.RunId, config.CanonicalJson);
    }
}
