using MathNet.Numerics.Distributions;

namespace Snn.Studies;

/// <summary>
/// The tests of a pre-registered study analysis (<see cref="StudyAnalysis"/>), on per-seed paired differences d_i:
/// <list type="bullet">
/// <item>paired t-test: t = mean / (sd / √n) with n − 1 degrees of freedom, two-sided p = 2·(1 − F(|t|));</item>
/// <item>95 % CI: mean ± t(0.975, n − 1) · sd / √n;</item>
/// <item>TOST (two one-sided tests) against the margin δ: p₁ = 1 − F((mean + δ) / se) for H0 mean ≤ −δ, p₂ = F((mean − δ) / se)
/// for H0 mean ≥ +δ, p_TOST = max(p₁, p₂); small p_TOST means −δ &lt; mean &lt; δ;</item>
/// <item>Holm–Bonferroni step-down over the m tests of one family (<see cref="Holm"/>); the difference p-values and the TOST
/// p-values of a family are adjusted separately, each as its own set of m hypotheses.</item>
/// </list>
/// With sd = 0 (identical differences) the t statistics are infinite: p = 0 for a nonzero mean (1 for zero), and
/// p_TOST = 0 when |mean| &lt; δ (else 1).
/// </summary>
public static class StudyStatistics
{
    /// <summary>The paired statistics of <paramref name="differences"/> (one per seed) with equivalence margin <paramref name="margin"/>.</summary>
    public static PairedTest Paired(IReadOnlyList<double> differences, double margin)
    {
        ArgumentNullException.ThrowIfNull(differences);
        var n = differences.Count;
        if (n == 0) return new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, margin);
        var mean = differences.Average();
        if (n == 1) return new(1, mean, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, margin);
        var sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        var se = sd / Math.Sqrt(n);
        var df = n - 1;
        var half = StudentT.InvCDF(0, 1, df, 0.975) * se;
        double p, tost;
        if (se == 0)
        {
            p = mean == 0 ? 1 : 0;
            tost = Math.Abs(mean) < margin ? 0 : 1;
        }
        else
        {
            p = 2 * (1 - StudentT.CDF(0, 1, df, Math.Abs(mean / se)));
            tost = Math.Max(1 - StudentT.CDF(0, 1, df, (mean + margin) / se), StudentT.CDF(0, 1, df, (mean - margin) / se));
        }
        return new(n, mean, sd, mean - half, mean + half, p, tost, margin);
    }

    /// <summary>
    /// Holm–Bonferroni adjusted p-values, in the order given: with p sorted ascending, p_adj(i) = max over j ≤ i of
    /// min(1, (m − j + 1) · p(j)). NaN (an untested contrast) counts as one of the m hypotheses with p = 1 and stays NaN.
    /// </summary>
    public static IReadOnlyList<double> Holm(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => double.IsNaN(pValues[i]) ? 1 : pValues[i]).ThenBy(i => i).ToList();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            var p = double.IsNaN(pValues[i]) ? 1 : pValues[i];
            running = Math.Max(running, Math.Min(1, (m - rank) * p));
            adjusted[i] = double.IsNaN(pValues[i]) ? double.NaN : running;
        }
        return adjusted;
    }

    /// <summary>
    /// The verdict on a claimed sign <paramref name="expected"/> (±1): supported when the adjusted difference p is below
    /// alpha with that sign, contradicted with the opposite sign, equivalent when instead the adjusted TOST p is below
    /// alpha, else inconclusive.
    /// </summary>
    public static Verdict Judge(int expected, double mean, double adjustedP, double adjustedTostP, double alpha)
    {
        if (expected is not (1 or -1)) throw new ArgumentOutOfRangeException(nameof(expected), expected, "a claimed sign is +1 or −1.");
        if (adjustedP < alpha && mean != 0) return Math.Sign(mean) == expected ? Verdict.Supported : Verdict.Contradicted;
        return adjustedTostP < alpha ? Verdict.Equivalent : Verdict.Inconclusive;
    }

    /// <summary>
    /// The words for a contrast without a claimed direction: effect when the adjusted p is below alpha, equivalent when
    /// the adjusted TOST p is, else inconclusive.
    /// </summary>
    public static FindingVerdict JudgeFinding(double adjustedP, double adjustedTostP, double alpha) =>
        adjustedP < alpha ? FindingVerdict.Effect : adjustedTostP < alpha ? FindingVerdict.Equivalent : FindingVerdict.Inconclusive;

    /// <summary>One verdict for a claim's parts in one setting (<see cref="ClaimCombination"/>); no parts → inconclusive.</summary>
    public static Verdict Combine(IReadOnlyList<Verdict> parts, ClaimCombination combination)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) return Verdict.Inconclusive;
        var (supported, contradicted) = (parts.Count(v => v == Verdict.Supported), parts.Count(v => v == Verdict.Contradicted));
        if (parts.All(v => v == Verdict.Equivalent)) return Verdict.Equivalent;
        return combination switch
        {
            ClaimCombination.All when supported == parts.Count => Verdict.Supported,
            ClaimCombination.All when contradicted > 0 => Verdict.Contradicted,
            ClaimCombination.Any when supported > 0 && contradicted == 0 => Verdict.Supported,
            ClaimCombination.Any when contradicted > 0 && supported == 0 => Verdict.Contradicted,
            _ => Verdict.Inconclusive,
        };
    }
}
