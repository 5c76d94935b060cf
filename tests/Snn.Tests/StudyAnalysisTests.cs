using System.Globalization;
using System.Text.RegularExpressions;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// The pre-registered analysis on synthetic runs with planted effects (fixed System.Random seeds): the four verdicts,
/// Holm within a family, interactions and arm lists, missing seeds, and the refusals (another plan's runs, a pair on
/// two CPU models, a run in two arms).
/// </summary>
public sealed partial class StudyAnalysisTests
{
    private const string Cpu = "Intel Xeon Platinum 8480+";
    private const long Steps = 940;

    // Arms select on plan.K / plan.B, settings on dataset.name.
    private const string Planted = """
        { "study": "planted", "alpha": 0.05, "margin": 0.005, "correction": "holm", "seeds": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
          "arms": { "control": { "plan.K": 10, "plan.B": "all" }, "treated": { "plan.K": 1, "plan.B": "all" } },
          "settings": { "plus": { "dataset.name": "plus" }, "zero": { "dataset.name": "zero" }, "wide": { "dataset.name": "wide" },
                        "minus": { "dataset.name": "minus" }, "free": { "dataset.name": "plus" } },
          "contrasts": [
            { "id": "plus", "claim": "P", "setting": "plus", "treatment": "treated", "control": "control", "metric": "final_test_accuracy", "expected": 1 },
            { "id": "zero", "claim": "Z", "setting": "zero", "treatment": "treated", "control": "control", "metric": "final_test_accuracy", "expected": 1 },
            { "id": "wide", "claim": "W", "setting": "wide", "treatment": "treated", "control": "control", "metric": "final_test_accuracy", "expected": 1 },
            { "id": "minus", "claim": "M", "setting": "minus", "treatment": "treated", "control": "control", "metric": "final_test_accuracy", "expected": 1 },
            { "id": "undirected", "setting": "free", "treatment": "treated", "control": "control", "metric": "final_test_accuracy", "expected": 0 }
          ] }
        """;

    private static Dictionary<string, string> Run(
        StudyPlan plan, string dataset, int k, string b, int seed, double test, string? cpu = null, string status = "finished") =>
        new()
        {
            ["status"] = status,
            ["run_id"] = $"{dataset}-k{k}-b{b}-s{seed}",
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["dataset.name"] = dataset,
            ["plan.K"] = k.ToString(CultureInfo.InvariantCulture),
            ["plan.B"] = b,
            ["final_test_accuracy"] = test.ToString("R", CultureInfo.InvariantCulture),
            ["final_train_accuracy"] = (test + 0.05).ToString("R", CultureInfo.InvariantCulture),
            ["optimizer_steps"] = Steps.ToString(CultureInfo.InvariantCulture),
            ["cpu"] = cpu ?? Cpu,
            ["plan_sha256"] = plan.Sha256,
        };

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    // Per seed a control run and a treated run = control + effect + N(0, sd) (so the differences have sd `sd`).
    private static IEnumerable<Dictionary<string, string>> Pairs(StudyPlan plan, string dataset, double effect, double sd, int seeds, int randomSeed)
    {
        var random = new Random(randomSeed);
        for (var seed = 0; seed < seeds; seed++)
        {
            var control = 0.80 + 0.01 * Normal(random);
            yield return Run(plan, dataset, 10, "all", seed, control);
            yield return Run(plan, dataset, 1, "all", seed, control + effect + sd * Normal(random));
        }
    }

    private static List<IReadOnlyDictionary<string, string>> PlantedRuns(StudyPlan plan) =>
    [
        .. Pairs(plan, "plus", +0.02, 0.005, 10, 1),
        .. Pairs(plan, "zero", 0, 0.001, 10, 2),
        .. Pairs(plan, "wide", 0, 0.03, 4, 5),
        .. Pairs(plan, "minus", -0.02, 0.005, 10, 4),
        Run(plan, "plus", 1, "all", 0, 0.1, status: "failed"),   // not finished: neither counted nor a duplicate
        Run(plan, "plus", 1, "all", 42, 0.1),                     // a seed outside the plan: ignored
    ];

    [Fact]
    public void Planted_effects_get_the_four_verdicts()
    {
        var plan = StudyPlan.Parse(Planted, "plan.json");
        var analysis = StudyAnalysis.Run(plan, PlantedRuns(plan));
        var byId = analysis.Contrasts.ToDictionary(c => c.Id);

        var plus = byId["plus"];
        Assert.Equal(Verdict.Supported, plus.Verdict);
        Assert.Null(plus.FindingVerdict);
        Assert.Equal(10, plus.Test.N);
        Assert.InRange(plus.Test.Mean, 0.015, 0.025);
        Assert.InRange(plus.Test.StdDev, 0.0025, 0.0075);
        Assert.True(plus.Test.CiLow < plus.Test.Mean && plus.Test.Mean < plus.Test.CiHigh);
        Assert.Equal([Steps], plus.StepsByArm["treated"]);

        var zero = byId["zero"];
        Assert.Equal(Verdict.Equivalent, zero.Verdict);
        Assert.True(zero.AdjustedP >= 0.05, zero.Describe());
        Assert.True(zero.AdjustedTostP < 0.05, zero.Describe());

        var wide = byId["wide"];
        Assert.True(wide.Verdict == Verdict.Inconclusive, wide.Describe());
        Assert.InRange(wide.Test.StdDev, 0.015, 0.06);   // the draw is as wide as planted: neither significant nor equivalent
        Assert.Equal(4, wide.Test.N);   // seeds 4–9 have no runs: reported, not an error
        Assert.Equal([0, 1, 2, 3], wide.Seeds);
        Assert.Equal(6, wide.MissingSeeds.Count);
        Assert.Equal("seed 4: no finished run of treated, control", wide.MissingSeeds[0]);

        Assert.Equal(Verdict.Contradicted, byId["minus"].Verdict);

        // Without a claimed direction: the findings family (alone, m = 1) and the words effect / equivalent / inconclusive.
        var free = byId["undirected"];
        Assert.Null(free.Verdict);
        Assert.Equal(FindingVerdict.Effect, free.FindingVerdict);
        Assert.Equal("effect (+)", free.Word);
        Assert.Equal(free.Test.PValue, free.AdjustedP, 15);

        Assert.Equal(["P", "Z", "W", "M"], analysis.Claims.Select(c => c.Claim));
        Assert.Equal(4, analysis.Contrasts.Count(c => c.Contrast.Family == "claims"));
    }

    [Fact]
    public void Holm_runs_within_each_family_over_the_analysis_p_values()
    {
        var plan = StudyPlan.Parse(Planted, "plan.json");
        var analysis = StudyAnalysis.Run(plan, PlantedRuns(plan));
        var claims = analysis.Contrasts.Where(c => c.Contrast.Family == "claims").ToList();
        var expected = StudyStatistics.Holm(claims.Select(c => c.Test.PValue).ToList());
        var expectedTost = StudyStatistics.Holm(claims.Select(c => c.Test.TostPValue).ToList());
        Assert.Equal(expected, claims.Select(c => c.AdjustedP));
        Assert.Equal(expectedTost, claims.Select(c => c.AdjustedTostP));
        // The adjustment is real: the smallest p of four is multiplied by 4.
        var smallest = claims.MinBy(c => c.Test.PValue)!;
        Assert.Equal(Math.Min(1, 4 * smallest.Test.PValue), smallest.AdjustedP, 15);
    }

    [GeneratedRegex(@"^summary: P plus: supported, \+\d\.\d\d pt \[\d\.\d\d, \d\.\d\d\], p_adj (< 0\.001|= 0\.\d{3}), n = 10, steps 940 vs 940$")]
    private static partial Regex SummaryLine();

    [Fact]
    public void The_report_has_one_summary_line_per_claim_and_setting_with_its_steps()
    {
        var plan = StudyPlan.Parse(Planted, "plan.json");
        var lines = StudyAnalysis.Run(plan, PlantedRuns(plan)).Describe();
        Assert.StartsWith($"study planted: plan plan.json (sha256 {plan.Sha256})", lines[0], StringComparison.Ordinal);
        Assert.Matches(SummaryLine(), lines[1]);
        Assert.StartsWith("summary: M minus: contradicted, −", lines[4], StringComparison.Ordinal);
        Assert.StartsWith("finding: undirected free: effect (+), +", lines[5], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("contrast wide [claims] wide: treated − control, final_test_accuracy: inconclusive", StringComparison.Ordinal)
            && l.Contains("n = 4", StringComparison.Ordinal) && l.Contains("missing: seed 4", StringComparison.Ordinal));
    }

    [Fact]
    public void Runs_of_another_plan_are_refused_naming_the_run_and_both_hashes()
    {
        var plan = StudyPlan.Parse(Planted, "plan.json");
        var other = StudyPlan.Parse(Planted.Replace("\"alpha\": 0.05", "\"alpha\": 0.01", StringComparison.Ordinal), "old/plan.json");
        var runs = PlantedRuns(plan);
        runs[3] = Run(other, "plus", 1, "all", 1, 0.8);
        var e = Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, runs, "results/s/runs.csv"));
        Assert.Contains("run plus-k1-ball-s1", e.Message, StringComparison.Ordinal);
        Assert.Contains(other.Sha256, e.Message, StringComparison.Ordinal);
        Assert.Contains(plan.Sha256, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("results/s/runs.csv: ", e.Message, StringComparison.Ordinal);

        // A run not finished yet (missing, or in flight) may have no hash; it is not data. Finished without one: refused.
        var partial = PlantedRuns(plan);
        partial.Add(new Dictionary<string, string>(Run(plan, "plus", 1, "all", 9, 0.8, status: "missing")) { ["plan_sha256"] = "" });
        Assert.Equal(StudyAnalysis.Run(plan, PlantedRuns(plan)).Describe().Skip(1), StudyAnalysis.Run(plan, partial).Describe().Skip(1));   // the header counts rows
        partial[^1] = new Dictionary<string, string>(partial[^1]) { ["status"] = "finished" };
        Assert.Contains("(none recorded)", Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, partial)).Message, StringComparison.Ordinal);
        partial[^1] = new Dictionary<string, string>(partial[^1]) { ["status"] = "incomplete", ["plan_sha256"] = other.Sha256 };
        Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, partial));

        // A table without the column at all is refused too.
        var bare = PlantedRuns(plan).Select(r => (IReadOnlyDictionary<string, string>)r.Where(kv => kv.Key != "plan_sha256").ToDictionary()).ToList();
        Assert.Contains("no 'plan_sha256' column", Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, bare)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pair_on_two_cpu_models_is_refused()
    {
        var plan = StudyPlan.Parse(Planted, "plan.json");
        var runs = PlantedRuns(plan);
        var index = runs.FindIndex(r => r["run_id"] == "minus-k10-ball-s5");
        runs[index] = new Dictionary<string, string>(runs[index]) { ["cpu"] = "AMD EPYC 9654" };
        var e = Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, runs));
        foreach (var part in new[] { "contrast minus", "seed 5", "minus-k10-ball-s5", "minus-k1-ball-s5", "AMD EPYC 9654", Cpu })
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_in_two_arms_of_a_contrast_is_refused()
    {
        var text = Planted.Replace("\"treated\": { \"plan.K\": 1, \"plan.B\": \"all\" }", "\"treated\": { \"plan.B\": \"all\" }", StringComparison.Ordinal);
        var plan = StudyPlan.Parse(text, "plan.json");
        var e = Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, PlantedRuns(plan)));
        Assert.Contains("contrast plus: run plus-k10-ball-s0 matches arms treated and control", e.Message, StringComparison.Ordinal);
    }

    private const string Interaction = """
        { "study": "c4", "alpha": 0.05, "margin": 0.005, "seeds": [0, 1, 2, 3, 4, 5],
          "arms": { "bptt": { "plan.K": 10, "plan.B": "all" }, "tbptt-k1": { "plan.K": 1, "plan.B": "all" },
                    "tbptt-k2": { "plan.K": 2, "plan.B": "all" }, "local": { "plan.K": 10, "plan.B": "1" }, "ttl-k1": { "plan.K": 1, "plan.B": "1" } },
          "settings": { "frames": { "dataset.name": "frames" } },
          "contrasts": [
            { "id": "C4-slows", "claim": "C4", "setting": "frames", "metric": "final_test_accuracy", "expected": 1,
              "interaction": { "a": "ttl-k1", "b": "local", "c": "tbptt-k1", "d": "bptt" } },
            { "id": "C4-improves", "claim": "C4", "setting": "frames", "treatment": "ttl-k1", "control": "bptt",
              "metric": "final_test_accuracy", "expected": 1 },
            { "id": "truncated", "setting": "frames", "treatment": ["tbptt-k2", "tbptt-k1"], "control": "bptt",
              "metric": "final_test_accuracy", "expected": -1 }
          ],
          "claims": { "C4": { "combine": "all" } } }
        """;

    // Per seed: truncation alone −4 pt, local alone −1 pt, both −2 pt (interaction +3 pt, combined − BPTT −2 pt), K = 2 −3 pt.
    private static List<IReadOnlyDictionary<string, string>> InteractionRuns(StudyPlan plan)
    {
        var random = new Random(7);
        var runs = new List<IReadOnlyDictionary<string, string>>();
        for (var seed = 0; seed < 6; seed++)
        {
            var bptt = 0.8 + 0.01 * Normal(random);
            runs.Add(Run(plan, "frames", 10, "all", seed, bptt));
            runs.Add(Run(plan, "frames", 1, "all", seed, bptt - 0.04 + 0.003 * Normal(random)));
            runs.Add(Run(plan, "frames", 2, "all", seed, bptt - 0.03 + 0.003 * Normal(random)));
            runs.Add(Run(plan, "frames", 10, "1", seed, bptt - 0.01 + 0.003 * Normal(random)));
            runs.Add(Run(plan, "frames", 1, "1", seed, bptt - 0.02 + 0.003 * Normal(random)));
        }
        return runs;
    }

    [Fact]
    public void An_interaction_is_per_seed_a_minus_b_minus_c_minus_d_and_an_arm_list_uses_the_mean()
    {
        var plan = StudyPlan.Parse(Interaction, "plan.json");
        var runs = InteractionRuns(plan);
        double Acc(int k, string b, int seed) =>
            double.Parse(runs.Single(r => r["run_id"] == $"frames-k{k}-b{b}-s{seed}")["final_test_accuracy"], CultureInfo.InvariantCulture);
        var analysis = StudyAnalysis.Run(plan, runs);
        var slows = analysis.Contrasts[0];
        Assert.Equal("(ttl-k1 − local) − (tbptt-k1 − bptt)", slows.Contrast.Label);
        for (var seed = 0; seed < 6; seed++)
            Assert.Equal(Acc(1, "1", seed) - Acc(10, "1", seed) - (Acc(1, "all", seed) - Acc(10, "all", seed)), slows.Differences[seed], 12);
        Assert.InRange(slows.Test.Mean, 0.02, 0.04);
        Assert.Equal(Verdict.Supported, slows.Verdict);
        Assert.Equal("steps 940, 940, 940, 940", slows.StepsText);

        var improves = analysis.Contrasts[1];
        Assert.Equal(Verdict.Contradicted, improves.Verdict);   // −2 pt against a claimed +
        var claim = Assert.Single(analysis.Claims);
        Assert.Equal(("C4", "frames", Verdict.Contradicted), (claim.Claim, claim.Setting, claim.Verdict));
        Assert.Equal(["C4-slows", "C4-improves"], claim.Parts.Select(p => p.Id));
        Assert.StartsWith("summary: C4 frames: contradicted (all of 2 parts: C4-slows: supported, +", claim.Describe(), StringComparison.Ordinal);

        var truncated = analysis.Contrasts[2];
        Assert.Equal("mean(tbptt-k2, tbptt-k1) − bptt", truncated.Contrast.Label);
        for (var seed = 0; seed < 6; seed++)
            Assert.Equal((Acc(2, "all", seed) + Acc(1, "all", seed)) / 2 - Acc(10, "all", seed), truncated.Differences[seed], 12);
        Assert.Equal(Verdict.Supported, truncated.Verdict);
        Assert.Equal("findings", truncated.Contrast.Family);

        // With "any", a supported and a contradicted part give no verdict.
        var any = StudyPlan.Parse(Interaction.Replace("\"combine\": \"all\"", "\"combine\": \"any\"", StringComparison.Ordinal));
        Assert.Equal(Verdict.Inconclusive, Assert.Single(StudyAnalysis.Run(any, InteractionRuns(any)).Claims).Verdict);
    }

    [Fact]
    public void A_runs_csv_text_is_read_and_a_duplicate_run_of_an_arm_and_seed_is_refused()
    {
        var plan = StudyPlan.Parse(Interaction, "plan.json");
        var runs = InteractionRuns(plan);
        var columns = runs[0].Keys.ToList();
        string Csv(IEnumerable<IReadOnlyDictionary<string, string>> rows) =>
            string.Join(",", columns) + "\n" + string.Join("\n", rows.Select(r => string.Join(",", columns.Select(c => r[c])))) + "\n";
        var fromText = StudyAnalysis.Run(plan, Csv(runs), "runs.csv");
        Assert.Equal(StudyAnalysis.Run(plan, runs).Contrasts[0].Differences, fromText.Contrasts[0].Differences);

        var twice = runs.Append(new Dictionary<string, string>(runs[0]) { ["run_id"] = "again" }).ToList();
        var e = Assert.Throws<InvalidDataException>(() => StudyAnalysis.Run(plan, Csv(twice), "runs.csv"));
        Assert.Contains("runs frames-k10-ball-s0 and again are both arm bptt, seed 0", e.Message, StringComparison.Ordinal);
    }
}
