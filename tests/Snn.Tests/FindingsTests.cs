using Snn.Studies;

namespace Snn.Tests;

/// <summary>The paired test over seeds and the verdicts on C1–C4, on studies with known effects.</summary>
public sealed class FindingsTests
{
    [Fact]
    public void The_paired_test_matches_the_closed_form_for_two_degrees_of_freedom()
    {
        // Differences 1, 2, 3: mean 2, sd 1, t = 2√3; with 2 degrees of freedom the two-sided p is 1 − t / √(t² + 2).
        var c = PairedComparison.Of("x", [1, 2, 3]);
        var t = 2 * Math.Sqrt(3);
        Assert.Equal(2, c.Mean, 12);
        Assert.Equal(1, c.StdDev, 12);
        Assert.Equal(3, c.Seeds);
        Assert.Equal(1 - t / Math.Sqrt(t * t + 2), c.PValue, 10);
        Assert.Equal(4.302652729911275 / Math.Sqrt(3), c.HalfWidth95, 9);   // t(0.975, 2) = 4.3027
        Assert.Equal(Verdict.Inconclusive, c.Judge(+1, 0.05));   // p = 0.074
        Assert.Equal(Verdict.Supported, c.Judge(+1, 0.1));
        Assert.Equal(Verdict.Contradicted, c.Judge(-1, 0.1));
        Assert.True(double.IsNaN(PairedComparison.Of("one", [0.5]).PValue));
        Assert.Equal(0, PairedComparison.Of("flat", [0.2, 0.2, 0.2]).PValue);
    }

    private const int T = 10;

    // accuracy(K, B, seed) = base + effect(K, B) + seed noise; B null = one block.
    private static IEnumerable<StudyRun> Study(string dataset, bool events, Func<int, int?, double> effect, double noise = 0.002, Func<int, int?, double>? gapEffect = null)
    {
        foreach (var seed in new[] { 0, 1, 2 })
            foreach (var k in new[] { 10, 5, 2, 1 })
                foreach (var b in new int?[] { null, 2, 1 })
                {
                    var wobble = noise * ((seed * 7 + k * 3 + (b ?? 3)) % 5 - 2);
                    var test = 0.7 + effect(k, b) + wobble;
                    var train = test + 0.05 + (gapEffect?.Invoke(k, b) ?? 0) + wobble / 2;
                    yield return new StudyRun(dataset, dataset, events, T, k, b, seed, test, train);
                }
    }

    [Fact]
    public void Clear_effects_in_the_claimed_directions_support_every_claim()
    {
        // Frame data: truncation costs 4 pp (less with local training); events: truncation gains 3 pp. Local training
        // lowers training accuracy and the gap by 3 pp.
        double Frame(int k, int? b) => (k < T ? (b is null ? -0.04 : -0.01) : 0) + (b is null ? 0 : -0.01);
        double Event(int k, int? b) => (k < T ? (b is null ? 0.03 : 0.05) : 0) + (b is null ? 0 : -0.01);
        double Gap(int k, int? b) => b is null ? 0 : -0.03;
        var runs = Study("frames", false, Frame, gapEffect: Gap).Concat(Study("events", true, Event, gapEffect: Gap)).ToList();
        var findings = PaperFindings.Evaluate(runs);
        Assert.Equal(["C1", "C2", "C3", "C4"], findings.Select(f => f.Id));
        Assert.All(findings, f => Assert.True(f.Verdict == Verdict.Supported, f.ToString()));
        var c1 = findings[0].Comparisons[0];
        Assert.StartsWith("frames: truncated", c1.Label);
        Assert.Equal(-0.04, c1.Mean, 2);
        Assert.Equal(3, c1.Seeds);
        Assert.Contains("frames: K = 5 − BPTT", findings[0].Comparisons.Select(c => c.Label));
    }

    [Fact]
    public void Opposite_effects_are_contradicted_and_noise_is_inconclusive()
    {
        double Helps(int k, int? b) => k < T && b is null ? 0.04 : 0;
        var opposite = PaperFindings.Evaluate(Study("frames", false, Helps).Concat(Study("events", true, (k, b) => -Helps(k, b))));
        Assert.Equal(Verdict.Contradicted, opposite[0].Verdict);
        Assert.Equal(Verdict.Contradicted, opposite[1].Verdict);

        var noisy = PaperFindings.Evaluate(Study("frames", false, (k, b) => k < T ? -0.002 : 0, noise: 0.05));
        Assert.Equal(Verdict.Inconclusive, noisy[0].Verdict);
        Assert.Equal(Verdict.Inconclusive, noisy[1].Verdict);
        Assert.Contains("not tested", noisy[1].Evidence);   // no event data
    }

    [Fact]
    public void Only_runs_of_the_same_setting_are_paired()
    {
        var a = Study("frames", false, (k, b) => k < T && b is null ? -0.04 : 0).ToList();
        // The same plans in another setting (say, a longer budget) where BPTT alone is much better must not pair with a.
        var b = Study("frames", false, (k, b) => k == T && b is null ? 0.2 : 0).Select(r => r with { Setting = "frames, 10 epochs" }).ToList();
        var onlyA = PaperFindings.Evaluate(a)[0].Comparisons[0];
        var both = PaperFindings.Evaluate(a.Concat(b))[0];
        Assert.Equal(onlyA, both.Comparisons[0]);
        var families = both.Comparisons.Where(c => c.Label.Contains("truncated", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, families.Count);
        Assert.Equal(-0.04, families[0].Mean, 2);
        Assert.Equal(-0.2, families[1].Mean, 2);
    }
}
