namespace Snn.Studies;

/// <summary>
/// One signed term of a contrast: per seed, <see cref="Sign"/> (+1 or −1) times the mean of the metric over
/// <see cref="Arms"/> (one arm, or several whose per-seed mean is used).
/// </summary>
public sealed record ContrastTerm(int Sign, IReadOnlyList<string> Arms)
{
    /// <summary>"tbptt-k1" or "mean(tbptt-k2, tbptt-k1)".</summary>
    public string Label => Arms.Count == 1 ? Arms[0] : $"mean({string.Join(", ", Arms)})";
}
