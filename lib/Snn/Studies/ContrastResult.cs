using System.Globalization;

namespace Snn.Studies;

/// <summary>
/// One pre-registered contrast evaluated (<see cref="StudyAnalysis"/>): the per-seed differences, their statistics,
/// the Holm-adjusted p-values within the contrast's family, the verdict, and the optimizer steps of every arm's runs
/// (the distinct values of optimizer_steps among the runs used), so that every number carries its step count.
/// Exactly one of <see cref="Verdict"/> (a claimed sign, expected ±1) and <see cref="FindingVerdict"/> (expected 0) is set.
/// </summary>
public sealed record ContrastResult(
    StudyContrast Contrast, IReadOnlyList<int> Seeds, IReadOnlyList<double> Differences, IReadOnlyList<string> MissingSeeds,
    PairedTest Test, double AdjustedP, double AdjustedTostP, Verdict? Verdict, FindingVerdict? FindingVerdict,
    IReadOnlyDictionary<string, IReadOnlyList<long>> StepsByArm)
{
    public string Id => Contrast.Id;

    /// <summary>"supported", "contradicted", "equivalent", "inconclusive" or, without a claimed direction, "effect (+)" / "effect (−)".</summary>
    public string Word => Verdict is { } v ? WordOf(v)
        : FindingVerdict == Studies.FindingVerdict.Effect ? $"effect ({(Test.Mean > 0 ? "+" : "−")})"
        : FindingVerdict == Studies.FindingVerdict.Equivalent ? "equivalent" : "inconclusive";

    /// <summary>"supported" and the like.</summary>
    public static string WordOf(Verdict verdict) => verdict switch
    {
        Studies.Verdict.Supported => "supported",
        Studies.Verdict.Contradicted => "contradicted",
        Studies.Verdict.Equivalent => "equivalent",
        _ => "inconclusive",
    };

    /// <summary>"steps 940 vs 940" (treatment vs control) or "steps 940, 940, 940, 940" (a, b, c, d of an interaction).</summary>
    public string StepsText
    {
        get
        {
            string Side(ContrastTerm term)
            {
                var steps = term.Arms.SelectMany(a => StepsByArm.GetValueOrDefault(a) ?? []).Distinct().Order().ToList();
                return steps.Count == 0 ? "?" : string.Join("/", steps.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            }
            return "steps " + string.Join(Contrast.IsInteraction ? ", " : " vs ", Contrast.Terms.Select(Side));
        }
    }

    /// <summary>"−1.23 pt [−1.80, −0.66], p_adj = 0.003, n = 10, steps 940 vs 940" (accuracy-like metrics in points, others as they are).</summary>
    public string Summary
    {
        get
        {
            if (Test.N == 0) return $"no paired seeds, {StepsText}";
            var (scale, unit) = Units(Contrast.Metric);
            var mean = Number(Test.Mean * scale, signed: true);
            if (Test.N == 1) return $"{mean}{unit} (one seed: no spread, no test), n = 1, {StepsText}";
            return $"{mean}{unit} [{Number(Test.CiLow * scale)}, {Number(Test.CiHigh * scale)}], p_adj {P(AdjustedP)}, n = {Test.N}, {StepsText}";
        }
    }

    /// <summary>One line with all of it: contrast, verdict, mean, CI, sd, raw and adjusted p, adjusted TOST p, margin, n, steps, missing seeds.</summary>
    public string Describe()
    {
        var (scale, unit) = Units(Contrast.Metric);
        var head = $"contrast {Id} [{Contrast.Family}] {Contrast.Setting}: {Contrast.Label}, {Contrast.Metric}: {Word}";
        if (Test.N < 2) return $"{head}, {Summary}" + Missing();
        return $"{head}, {Number(Test.Mean * scale, signed: true)}{unit} [{Number(Test.CiLow * scale)}, {Number(Test.CiHigh * scale)}] "
            + $"(sd {Number(Test.StdDev * scale)}), p {P(Test.PValue)}, p_adj {P(AdjustedP)}, "
            + $"p_TOST,adj {P(AdjustedTostP)} (margin ±{Number(Test.Margin * scale)}{unit}), n = {Test.N}, {StepsText}" + Missing();
    }

    private string Missing() => MissingSeeds.Count == 0 ? "" : $"; missing: {string.Join("; ", MissingSeeds)}";

    // Accuracies and the train − test gap are fractions: shown in percentage points.
    private static (double Scale, string Unit) Units(string metric) =>
        metric.Contains("accuracy", StringComparison.Ordinal) || metric.Contains("gap", StringComparison.Ordinal) ? (100, " pt") : (1, "");

    private static string Number(double value, bool signed = false) =>
        double.IsNaN(value) ? "n/a" : value.ToString(signed ? "+0.00;−0.00;0.00" : "0.00;−0.00;0.00", CultureInfo.InvariantCulture);

    private static string P(double p) =>
        double.IsNaN(p) ? "= n/a" : p < 0.001 ? "< 0.001" : "= " + p.ToString("0.000", CultureInfo.InvariantCulture);
}
