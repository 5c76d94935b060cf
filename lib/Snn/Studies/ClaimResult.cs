namespace Snn.Studies;

/// <summary>
/// A claim's verdict in one setting: its contrasts there (<see cref="Parts"/>) combined by <see cref="Combination"/>
/// (<see cref="StudyStatistics.Combine"/>).
/// </summary>
public sealed record ClaimResult(string Claim, string Setting, ClaimCombination Combination, Verdict Verdict, IReadOnlyList<ContrastResult> Parts)
{
    /// <summary>
    /// "summary: C1 frames: contradicted, −1.23 pt [−1.80, −0.66], p_adj = 0.003, n = 10, steps 940 vs 940"; with several
    /// parts each follows in brackets with its own verdict.
    /// </summary>
    public string Describe()
    {
        var head = $"summary: {Claim} {Setting}: {ContrastResult.WordOf(Verdict)}";
        return Parts.Count == 1
            ? $"{head}, {Parts[0].Summary}"
            : $"{head} ({Combination.ToString().ToLowerInvariant()} of {Parts.Count} parts: "
              + string.Join("; ", Parts.Select(p => $"{p.Id}: {p.Word}, {p.Summary}")) + ")";
    }
}
