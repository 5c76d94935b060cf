using MathNet.Numerics.Distributions;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>The seed count of a pre-registration (StudyPower) against hand computations and a simulation.</summary>
public sealed class StudyPowerTests
{
    [Fact]
    public void Seeds_to_detect_match_a_hand_computation()
    {
        // sd 1, effect 1, alpha 0.05, power 0.8. Hand: n = 10: t(0.975, 9) = 2.262, t(0.8, 9) = 0.883, sum 3.145,
        // 3.145 / √10 = 0.9946 ≤ 1; n = 9: t(0.975, 8) = 2.306, t(0.8, 8) = 0.889, 3.195 / 3 = 1.065 > 1 → 10.
        Assert.Equal(10, StudyPower.SeedsToDetect(1, 1, 0.05));
        // Half the spread needs about a quarter of the seeds (never fewer than 3).
        Assert.Equal(5, StudyPower.SeedsToDetect(0.5, 1, 0.05));
        Assert.Equal(3, StudyPower.SeedsToDetect(0.01, 1, 0.05));
        Assert.Null(StudyPower.SeedsToDetect(10, 0.1, 0.05, cap: 50));
        // A Holm-corrected level needs more.
        Assert.True(StudyPower.SeedsToDetect(1, 1, 0.05 / 16) > 10);
    }

    [Fact]
    public void Detectable_effect_inverts_the_seed_count()
    {
        var effect = StudyPower.DetectableEffect(0.8, 12, 0.01);
        Assert.Equal(12, StudyPower.SeedsToDetect(0.8, effect + 1e-9, 0.01));
        Assert.Equal(13, StudyPower.SeedsToDetect(0.8, effect * 0.97, 0.01));
    }

    [Fact]
    public void The_seed_count_gives_the_stated_power_in_simulation()
    {
        // Paired differences ~ N(effect, sd): a t-test at alpha rejects in about `power` of the studies of n seeds.
        const double sd = 1.3, effect = 1.0, alpha = 0.05;
        var n = StudyPower.SeedsToDetect(sd, effect, alpha)!.Value;
        var random = new Random(7);
        var normal = new Normal(effect, sd, random);
        var rejected = 0;
        const int studies = 4000;
        for (var s = 0; s < studies; s++)
        {
            var d = Enumerable.Range(0, n).Select(_ => normal.Sample()).ToArray();
            if (PairedComparison.Of("sim", d).PValue < alpha) rejected++;
        }
        var power = rejected / (double)studies;
        Assert.InRange(power, 0.78, 0.86);   // ≥ 0.8 by construction (the approximation errs on the safe side), ± 1.5 % noise
    }

    [Fact]
    public void Bad_arguments_name_the_parameter()
    {
        Assert.Equal("sd", Assert.Throws<ArgumentOutOfRangeException>(() => StudyPower.SeedsToDetect(double.NaN, 1, 0.05)).ParamName);
        Assert.Equal("effect", Assert.Throws<ArgumentOutOfRangeException>(() => StudyPower.SeedsToDetect(1, 0, 0.05)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => StudyPower.SeedsForEquivalence(1, 1, 1.5)).ParamName);
    }

    [Fact]
    public void Equivalence_needs_more_seeds_than_detection_of_an_effect_the_size_of_the_margin()
    {
        var tost = StudyPower.SeedsForEquivalence(0.5, 0.5, 0.05)!.Value;
        var detect = StudyPower.SeedsToDetect(0.5, 0.5, 0.05)!.Value;
        Assert.True(tost >= detect - 1, $"TOST {tost}, detection {detect}");
        // Hand: sd 0.5, margin 0.5, n = 10: t(0.95, 9) = 1.833, t(0.9, 9) = 1.383: 3.216 · 0.5 / √10 = 0.508 > 0.5; n = 11: t(0.95,10) = 1.812,
        // t(0.9,10) = 1.372: 3.184 · 0.5 / √11 = 0.480 ≤ 0.5 → 11.
        Assert.Equal(11, tost);
    }
}
