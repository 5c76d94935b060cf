using Snn.Studies;

namespace Snn.Tests;

/// <summary>The pre-registration file: its hash is that of its exact bytes, and a bad plan is refused naming the JSON key.</summary>
public sealed class StudyPlanTests
{
    // sha256sum of exactly these bytes (computed outside the kit).
    private const string Minimal =
        "{ \"study\": \"s\", \"alpha\": 0.05, \"margin\": 0.005, \"seeds\": [0, 1],\n"
        + "  \"arms\": { \"x\": { \"plan.K\": 1 }, \"y\": { \"plan.K\": 10 } }, \"settings\": { \"all\": {} },\n"
        + "  \"contrasts\": [ { \"id\": \"x-y\", \"setting\": \"all\", \"treatment\": \"x\", \"control\": \"y\", "
        + "\"metric\": \"final_test_accuracy\", \"expected\": 0 } ] }\n";

    private const string MinimalSha256 = "1ad2788c65b4015b455a6fe3fd748b358c4018862829fd94ef22cd8e879db203";

    [Fact]
    public void The_hash_is_the_sha256_of_the_exact_bytes_and_the_defaults_apply()
    {
        var plan = StudyPlan.Parse(Minimal);
        Assert.Equal(MinimalSha256, plan.Sha256);
        Assert.Equal(MinimalSha256, StudyPlan.Parse(System.Text.Encoding.UTF8.GetBytes(Minimal)).Sha256);
        Assert.NotEqual(MinimalSha256, StudyPlan.Parse(Minimal.Replace("\n", "\r\n", StringComparison.Ordinal)).Sha256);   // same JSON, other bytes

        Assert.Equal(("s", 0.05, 0.005, "holm"), (plan.Study, plan.Alpha, plan.Margin, plan.Correction));
        Assert.Equal([0, 1], plan.Seeds);
        var contrast = Assert.Single(plan.Contrasts);
        Assert.Null(contrast.Claim);
        Assert.Equal("findings", contrast.Family);   // no claim: the findings family
        Assert.Equal(0.005, contrast.Margin);
        Assert.Equal("x − y", contrast.Label);
        Assert.Equal([(+1, "x"), (-1, "y")], contrast.Terms.Select(t => (t.Sign, t.Label)));
        Assert.Empty(plan.Settings["all"].Required);
        Assert.Equal("1", plan.Arms["x"].Required["plan.K"]);
    }

    [Fact]
    public void Selectors_compare_numbers_numerically_and_everything_else_as_text()
    {
        var plan = StudyPlan.Parse("""
            { "study": "s", "alpha": 0.05, "margin": 0.005, "correction": "holm", "seeds": [0],
              // comments and trailing commas are allowed
              "arms": { "a": { "optimizer.lr": 0.001, "optimizer.cosine": true, "plan.B": "all", "plan.blocks": null }, "b": { "plan.K": 2 }, },
              "settings": { "s": { "dataset.name": "fashion-mnist" } },
              "contrasts": [ { "id": "c", "claim": "C1", "setting": "s", "treatment": ["a"], "control": "b", "metric": "m", "expected": -1 } ] }
            """);
        var a = plan.Arms["a"];
        Dictionary<string, string> Row(string lr, string blocks) =>
            new() { ["optimizer.lr"] = lr, ["optimizer.cosine"] = "true", ["plan.B"] = "all", ["plan.blocks"] = blocks };
        Assert.True(a.Matches(Row("1e-3", "")));
        Assert.True(a.Matches(Row("0.0010", "")));
        Assert.False(a.Matches(Row("0.01", "")));
        Assert.False(a.Matches(Row("0.001", "2;4")));   // null asks for an empty cell
        Assert.Throws<KeyNotFoundException>(() => a.Matches(new Dictionary<string, string> { ["optimizer.lr"] = "0.001" }));
        Assert.Equal("claims", plan.Contrasts[0].Family);
        Assert.Equal(ClaimCombination.All, plan.CombinationOf("C1"));
    }

    [Theory]
    [InlineData("\"alpha\": 0.05", "\"alpha\": \"0.05\"", "alpha", "expected a number")]
    [InlineData("\"alpha\": 0.05", "\"alpha\": 1.5", "alpha", "(0, 1)")]
    [InlineData("\"margin\": 0.005", "\"margin\": 0", "margin", "> 0")]
    [InlineData("\"seeds\": [0, 1]", "\"seeds\": [0, 1, 1]", "seeds[2]", "listed twice")]
    [InlineData("\"seeds\": [0, 1]", "\"seeds\": [0, 1], \"correction\": \"bonferroni\"", "correction", "\"holm\"")]
    [InlineData("\"seeds\": [0, 1]", "\"seeds\": [0, 1], \"seed\": 3", "seed", "unknown key")]
    [InlineData("\"treatment\": \"x\"", "\"treatment\": \"nope\"", "contrasts[0].treatment", "arm 'nope' is not defined")]
    [InlineData("\"treatment\": \"x\"", "\"treatment\": [\"x\", \"y\"]", "contrasts[0].control", "shares an arm")]
    [InlineData("\"setting\": \"all\"", "\"setting\": \"frames\"", "contrasts[0].setting", "setting 'frames' is not defined")]
    [InlineData("\"metric\": \"final_test_accuracy\", ", "", "contrasts[0].metric", "missing")]
    [InlineData("\"expected\": 0", "\"expected\": 2", "contrasts[0].expected", "+1, −1")]
    [InlineData("\"expected\": 0", "\"expected\": 0, \"claim\": \"C1\"", "contrasts[0].expected", "needs a claimed sign")]
    [InlineData("\"treatment\": \"x\", \"control\": \"y\"", "\"interaction\": { \"a\": \"x\", \"b\": \"y\", \"c\": \"x\" }",
        "contrasts[0].interaction.d", "missing")]
    [InlineData("\"treatment\": \"x\",", "\"interaction\": { \"a\": \"x\", \"b\": \"y\", \"c\": \"x\", \"d\": \"y\" }, \"treatment\": \"x\",",
        "contrasts[0]", "either")]
    [InlineData("\"y\": { \"plan.K\": 10 }", "\"y\": { }", "arms.y", "at least one column")]
    [InlineData("\"seeds\": [0, 1]", "\"seeds\": [0, 1], \"claims\": { \"C9\": { \"combine\": \"all\" } }", "claims.C9", "no contrast")]
    public void A_bad_plan_is_refused_naming_its_key(string from, string to, string key, string expected)
    {
        var text = Minimal.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Minimal, text);
        var e = Assert.Throws<StudyPlanException>(() => StudyPlan.Parse(text, "plan.json"));
        Assert.Equal(key, e.Key);
        Assert.Equal("plan.json", e.PlanFile);
        Assert.StartsWith($"plan.json: {key}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_refused_naming_the_file()
    {
        var e = Assert.Throws<StudyPlanException>(() => StudyPlan.Parse("{ \"study\": ", "results/x/plan.json"));
        Assert.StartsWith("results/x/plan.json: (file): not valid JSON", e.Message, StringComparison.Ordinal);
    }
}
