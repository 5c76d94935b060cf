using MathNet.Numerics.Distributions;

namespace Snn.Studies;

/// <summary>
/// Seeds for a paired study from a pilot's spread (docs/studies.md, "Pre-registration"): the smallest n at which a paired
/// t-test at level <c>alpha</c> (two-sided, already divided as the correction demands) detects a true mean difference
/// <c>effect</c> with probability <c>power</c>, given the paired standard deviation <c>sd</c>, and at which TOST can
/// call a true zero difference equivalent within ±<c>margin</c> with the same power. Uses the usual iteration
/// n ≥ ((t₁₋α/₂,ₙ₋₁ + t_power,ₙ₋₁) · sd / effect)² (TOST: t₁₋α,ₙ₋₁ + t₍₁₊power₎/₂,ₙ₋₁ against the margin), which
/// is within one seed of the noncentral-t answer for n ≥ 5.
/// </summary>
public static class StudyPower
{
    /// <summary>
    /// Seeds to detect <paramref name="effect"/> (same unit as <paramref name="sd"/>); at least 3, at most <paramref name="cap"/>
    /// (then null).
    /// </summary>
    public static int? SeedsToDetect(double sd, double effect, double alpha, double power = 0.8, int cap = 200)
    {
        Check(sd, effect, alpha, power);
        for (var n = 3; n <= cap; n++)
        {
            var df = n - 1;
            if ((StudentT.InvCDF(0, 1, df, 1 - alpha / 2) + StudentT.InvCDF(0, 1, df, power)) * sd / Math.Sqrt(n) <= effect) return n;
        }
        return null;
    }

    /// <summary>Seeds for TOST to declare a true zero difference equivalent within ±<paramref name="margin"/>.</summary>
    public static int? SeedsForEquivalence(double sd, double margin, double alpha, double power = 0.8, int cap = 200)
    {
        Check(sd, margin, alpha, power);
        for (var n = 3; n <= cap; n++)
        {
            var df = n - 1;
            if ((StudentT.InvCDF(0, 1, df, 1 - alpha) + StudentT.InvCDF(0, 1, df, (1 + power) / 2)) * sd / Math.Sqrt(n) <= margin) return n;
        }
        return null;
    }

    /// <summary>The smallest true difference detected with <paramref name="power"/> at <paramref name="seeds"/> seeds.</summary>
    public static double DetectableEffect(double sd, int seeds, double alpha, double power = 0.8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 2);
        Check(sd, 1, alpha, power);
        var df = seeds - 1;
        return (StudentT.InvCDF(0, 1, df, 1 - alpha / 2) + StudentT.InvCDF(0, 1, df, power)) * sd / Math.Sqrt(seeds);
    }

    private static void Check(double sd, double effect, double alpha, double power)
    {
        if (!(sd >= 0) || double.IsInfinity(sd)) throw new ArgumentOutOfRangeException(nameof(sd), sd, "the paired standard deviation must be finite and ≥ 0.");
        if (!(effect > 0)) throw new ArgumentOutOfRangeException(nameof(effect), effect, "the effect (or margin) must be > 0.");
        if (!(alpha is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1).");
        if (!(power is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(power), power, "power must be in (0, 1).");
    }
}
