using Snn.Studies;

namespace Snn.Tests;

/// <summary>The pre-registered analysis's tests against hand computations: Holm's step-down, the TOST p-value, the verdict rules.</summary>
public sealed class StudyStatisticsTests
{
    [Fact]
    public void Holm_adjusts_step_down_and_keeps_the_given_order()
    {
        // Sorted: 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; running max 0.02, 0.03, 0.06, 0.06.
        var adjusted = StudyStatistics.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 12)));
        // 0.25·3 = 0.75, 0.4·2 = 0.8, 0.6·1 = 0.6 → running max 0.75, 0.8, 0.8; capped at 1 (0.6·2 = 1.2).
        Assert.Equal([0.8, 0.75, 0.8], StudyStatistics.Holm([0.6, 0.25, 0.4]).Select(p => Math.Round(p, 12)));
        Assert.Equal([1.0, 1.0], StudyStatistics.Holm([0.6, 0.7]).Select(p => Math.Round(p, 12)));
        // An untested contrast (NaN) still counts as one of the m hypotheses.
        var withNaN = StudyStatistics.Holm([0.01, double.NaN]);
        Assert.Equal(0.02, withNaN[0], 12);
        Assert.True(double.IsNaN(withNaN[1]));
    }

    [Fact]
    public void The_paired_test_and_tost_match_the_closed_form_for_two_degrees_of_freedom()
    {
        // d = 0.001, 0.002, 0.003: mean 0.002, sd 0.001, se = 0.001/√3. With 2 degrees of freedom F(t) = 1/2 + t / (2√(t² + 2)).
        var test = StudyStatistics.Paired([0.001, 0.002, 0.003], margin: 0.005);
        Assert.Equal((3, 0.002, 0.001), (test.N, Math.Round(test.Mean, 15), Math.Round(test.StdDev, 15)));
        var t = 2 * Math.Sqrt(3);
        Assert.Equal(1 - t / Math.Sqrt(t * t + 2), test.PValue, 10);
        // Upper test: t = (0.002 − 0.005)/se = −3√3, p = F(t); lower: t = 7√3, p = 1 − F(t). p_TOST is the larger.
        var upper = 0.5 - 3 * Math.Sqrt(3) / (2 * Math.Sqrt(29));
        var lower = 0.5 - 7 * Math.Sqrt(3) / (2 * Math.Sqrt(149));
        Assert.True(upper > lower);
        Assert.Equal(upper, test.TostPValue, 10);
        Assert.InRange(test.TostPValue, 0.01754, 0.01756);
        var half = 4.302652729911275 * 0.001 / Math.Sqrt(3);   // t(0.975, 2)
        Assert.Equal(0.002 - half, test.CiLow, 10);
        Assert.Equal(0.002 + half, test.CiHigh, 10);
    }

    [Fact]
    public void Tost_at_the_one_sided_critical_t_gives_p_of_alpha()
    {
        // Ten differences with sd s whose mean sits t(0.95, 9) = 1.8331129326536335 standard errors inside the margin.
        const double margin = 0.005, s = 0.002, t95 = 1.8331129326536335;
        var mean = margin - t95 * s / Math.Sqrt(10);
        var a = s * Math.Sqrt(0.9);   // ±a alternating: sample sd exactly s
        var d = Enumerable.Range(0, 10).Select(i => mean + (i % 2 == 0 ? a : -a)).ToList();
        var test = StudyStatistics.Paired(d, margin);
        Assert.Equal(s, test.StdDev, 12);
        Assert.Equal(0.05, test.TostPValue, 7);
        // The same mean just outside the critical value is no longer equivalent at 0.05; inside it is.
        Assert.True(StudyStatistics.Paired(d.Select(x => x + 1e-5).ToList(), margin).TostPValue > 0.05);
        Assert.True(StudyStatistics.Paired(d.Select(x => x - 1e-5).ToList(), margin).TostPValue < 0.05);
    }

    [Fact]
    public void Degenerate_samples_give_no_test_or_exact_answers()
    {
        Assert.True(double.IsNaN(StudyStatistics.Paired([0.01], 0.005).PValue));
        Assert.Equal(0, StudyStatistics.Paired([], 0.005).N);
        var flat = StudyStatistics.Paired([0.001, 0.001], 0.005);
        Assert.Equal((0.0, 0.0), (flat.PValue, flat.TostPValue));
        var flatWide = StudyStatistics.Paired([0.01, 0.01], 0.005);
        Assert.Equal((0.0, 1.0), (flatWide.PValue, flatWide.TostPValue));
    }

    [Theory]
    [InlineData(+1, 0.02, 0.001, 0.9, Verdict.Supported)]
    [InlineData(-1, 0.02, 0.001, 0.9, Verdict.Contradicted)]
    [InlineData(+1, 0.001, 0.4, 0.001, Verdict.Equivalent)]
    [InlineData(+1, 0.001, 0.4, 0.2, Verdict.Inconclusive)]
    [InlineData(+1, -0.02, 0.06, 0.9, Verdict.Inconclusive)]   // adjusted p just above alpha
    public void The_verdict_follows_the_adjusted_p_values(int expected, double mean, double p, double tost, Verdict verdict) =>
        Assert.Equal(verdict, StudyStatistics.Judge(expected, mean, p, tost, alpha: 0.05));

    [Fact]
    public void Claim_parts_combine_as_documented()
    {
        var (s, c, e, i) = (Verdict.Supported, Verdict.Contradicted, Verdict.Equivalent, Verdict.Inconclusive);
        Assert.Equal(s, StudyStatistics.Combine([s, s], ClaimCombination.All));
        Assert.Equal(i, StudyStatistics.Combine([s, i], ClaimCombination.All));
        Assert.Equal(c, StudyStatistics.Combine([s, c], ClaimCombination.All));
        Assert.Equal(e, StudyStatistics.Combine([e, e], ClaimCombination.All));
        Assert.Equal(i, StudyStatistics.Combine([e, s], ClaimCombination.All));
        Assert.Equal(s, StudyStatistics.Combine([s, i], ClaimCombination.Any));
        Assert.Equal(i, StudyStatistics.Combine([s, c], ClaimCombination.Any));
        Assert.Equal(c, StudyStatistics.Combine([c, e], ClaimCombination.Any));
        Assert.Equal(i, StudyStatistics.Combine([], ClaimCombination.All));
        Assert.Equal(FindingVerdict.Effect, StudyStatistics.JudgeFinding(0.01, 0.9, 0.05));
        Assert.Equal(FindingVerdict.Equivalent, StudyStatistics.JudgeFinding(0.5, 0.01, 0.05));
        Assert.Equal(FindingVerdict.Inconclusive, StudyStatistics.JudgeFinding(0.5, 0.5, 0.05));
    }
}
