using MathNet.Numerics.Distributions;

namespace Snn.Studies;

/// <summary>
/// A difference between two arms paired by seed (same initialisation, subset and batch order): the mean and sample
/// standard deviation of the per-seed differences, and the two-sided p-value of a paired t-test (n − 1 degrees of
/// freedom; NaN below two seeds).
/// </summary>
public sealed record PairedComparison(string Label, double Mean, double StdDev, int Seeds, double PValue)
{
    /// <summary>Compares per-seed differences (one per seed).</summary>
    public static PairedComparison Of(string label, IReadOnlyList<double> differences)
    {
        var n = differences.Count;
        if (n == 0) return new(label, double.NaN, double.NaN, 0, double.NaN);
        var mean = differences.Average();
        if (n == 1) return new(label, mean, double.NaN, 1, double.NaN);
        var std = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        double p;
        if (std == 0) p = mean == 0 ? 1 : 0;
        else
        {
            var t = mean / (std / Math.Sqrt(n));
            p = 2 * (1 - StudentT.CDF(0, 1, n - 1, Math.Abs(t)));
        }
        return new(label, mean, std, n, p);
    }

    /// <summary>Half-width of the 95 % confidence interval of <see cref="Mean"/> (NaN below two seeds).</summary>
    public double HalfWidth95 => Seeds < 2 ? double.NaN : StudentT.InvCDF(0, 1, Seeds - 1, 0.975) * StdDev / Math.Sqrt(Seeds);

    /// <summary>+1 or −1 when the difference is significant at <paramref name="alpha"/> with that sign, else 0.</summary>
    public int SignificantSign(double alpha) => PValue < alpha ? Math.Sign(Mean) : 0;

    /// <summary>The verdict on a claim that the difference has sign <paramref name="expectedSign"/>.</summary>
    public Verdict Judge(int expectedSign, double alpha) => SignificantSign(alpha) switch
    {
        0 => Verdict.Inconclusive,
        var s when s == expectedSign => Verdict.Supported,
        _ => Verdict.Contradicted,
    };

    /// <summary>"fashion-mnist: −2.10 ± 0.80 pp (95 % CI ± 1.99, n = 3 seeds, p = 0.043)" with values scaled by <paramref name="scale"/>.</summary>
    public string Describe(double scale = 100, string unit = "pp") => Seeds switch
    {
        0 => $"{Label}: no paired seeds",
        1 => $"{Label}: {Mean * scale:+0.00;−0.00} {unit} (one seed: no spread, no test)",
        _ => $"{Label}: {Mean * scale:+0.00;−0.00} ± {StdDev * scale:0.00} {unit} "
             + $"(95 % CI ± {HalfWidth95 * scale:0.00}, n = {Seeds} seeds, p = {PValue:0.000})",
    };
}
