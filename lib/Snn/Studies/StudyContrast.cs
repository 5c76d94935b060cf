namespace Snn.Studies;

/// <summary>
/// One pre-registered comparison of a <see cref="StudyPlan"/>: per seed, Σ sign × metric over its <see cref="Terms"/>
/// within one setting — treatment − control, or for an interaction (a − b) − (c − d). <see cref="Expected"/> is the
/// claimed sign (+1, −1) or 0 for a finding without a claimed direction. <see cref="Claim"/> is null for such findings
/// and for any contrast that belongs to no claim; <see cref="Margin"/> is the equivalence margin (metric units).
/// </summary>
public sealed record StudyContrast(
    string Id, string? Claim, string Setting, IReadOnlyList<ContrastTerm> Terms, bool IsInteraction, string Metric, int Expected,
    string Family, double Margin)
{
    /// <summary>Every arm the contrast reads, each once, in term order.</summary>
    public IReadOnlyList<string> Arms => Terms.SelectMany(t => t.Arms).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>"tbptt-k1 − bptt" or "(ttl-k1 − local) − (tbptt-k1 − bptt)".</summary>
    public string Label => IsInteraction
        ? $"({Terms[0].Label} − {Terms[1].Label}) − ({Terms[2].Label} − {Terms[3].Label})"
        : $"{Terms[0].Label} − {Terms[1].Label}";
}
