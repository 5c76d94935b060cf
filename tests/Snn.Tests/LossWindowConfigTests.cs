using Snn.Experiments;
using Snn.Plans;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// The config keys plan.lossWindow and evalTrain: parsed, checked naming the key, and absent from the canonical form
/// (and run id) unless set.
/// </summary>
public sealed class LossWindowConfigTests
{
    private static string Synthetic(string plan, string extra = "") => ExperimentConfigTests.Synthetic(extra, plan);

    private static ExperimentConfigException Rejected(string json) => Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(json));

    [Fact]
    public void Absent_keys_keep_the_canonical_form_and_the_run_id()
    {
        var plain = ExperimentConfig.Parse(Synthetic("\"K\": 2, \"B\": 1"));
        Assert.Null(plain.LossWindow);
        Assert.False(plain.EvalTrain);
        Assert.DoesNotContain("lossWindow", plain.CanonicalJson);
        Assert.DoesNotContain("evalTrain", plain.CanonicalJson);
        Assert.False(plain.TrainerOptions().EvaluateTrain);
        // The same computation spelled out: L = K (one chunk per window), evalTrain false, and nulls.
        foreach (var same in new[]
                 {
                     Synthetic("\"K\": 2, \"B\": 1, \"lossWindow\": 2"),
                     Synthetic("\"K\": 2, \"B\": 1, \"lossWindow\": null"),
                     Synthetic("\"K\": 2, \"B\": 1", "\"evalTrain\": false"),
                 })
        {
            var c = ExperimentConfig.Parse(same);
            Assert.Equal(plain.CanonicalJson, c.CanonicalJson);
            Assert.Equal(plain.RunId, c.RunId);
        }
        // BPTT spelled with L = T is BPTT.
        Assert.Equal(ExperimentConfig.Parse(Synthetic("\"K\": \"T\"")).RunId, ExperimentConfig.Parse(Synthetic("\"lossWindow\": 4")).RunId);
    }

    [Fact]
    public void A_loss_window_is_part_of_the_plan_and_the_run_id()
    {
        var plain = ExperimentConfig.Parse(Synthetic("\"update\": \"accumulate\""));
        var c = ExperimentConfig.Parse(Synthetic("\"update\": \"accumulate\", \"lossWindow\": 2"));
        Assert.Equal(2, c.LossWindow);
        Assert.Equal(2, c.Plan.LossWindow);
        Assert.Equal("BPTT (T=4, K=4, accumulate, loss per 2 steps)", c.Plan.ToString());
        Assert.Equal((4, UpdatePolicy.Accumulate, true), (c.Plan.WindowLength, c.Plan.Update, c.Plan.HasLossWindow));
        Assert.Contains("\"lossWindow\": 2", c.CanonicalJson);
        Assert.NotEqual(plain.RunId, c.RunId);
        Assert.Equal(c.CanonicalJson, ExperimentConfig.Parse(c.CanonicalJson).CanonicalJson);   // canonical is a fixed point
        // A study keeps windowed-loss runs apart from the plain plan's.
        var summary = new RunSummary("unit", "x", 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 1, 1, null, new RunCosts(1, 1, 1, 1, 1, 1, 1));
        Assert.NotEqual(StudyRun.From(plain, summary).Setting, StudyRun.From(c, summary).Setting);
    }

    [Theory]
    [InlineData("\"lossWindow\": 0", "1 … 4")]
    [InlineData("\"lossWindow\": 5", "1 … 4")]
    [InlineData("\"lossWindow\": 1.5", "1 … 4")]
    [InlineData("\"lossWindow\": \"two\"", "1 … 4")]
    [InlineData("\"K\": 2, \"lossWindow\": 3", "1 … K = 2")]
    public void Impossible_loss_windows_name_the_key_and_the_range(string plan, string allowed)
    {
        var e = Rejected(Synthetic(plan));
        Assert.Equal("plan.lossWindow", e.Key);
        Assert.StartsWith("plan.lossWindow:", e.Message);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void EvalTrain_is_a_boolean_written_only_when_true()
    {
        var plain = ExperimentConfig.Parse(Synthetic("\"K\": 2"));
        var c = ExperimentConfig.Parse(Synthetic("\"K\": 2", "\"evalTrain\": true"));
        Assert.True(c.EvalTrain);
        Assert.True(c.TrainerOptions().EvaluateTrain);
        Assert.Contains("\"evalTrain\": true", c.CanonicalJson);
        Assert.NotEqual(plain.RunId, c.RunId);
        Assert.Equal(c.RunId, ExperimentConfig.Parse(c.CanonicalJson).RunId);
        var e = Rejected(Synthetic("\"K\": 2", "\"evalTrain\": \"yes\""));
        Assert.Equal("evalTrain", e.Key);
        Assert.Contains("true or false", e.Message);
    }

    [Fact]
    public void A_sweep_grid_varies_the_loss_window()
    {
        var sweep = Sweep.Parse(Synthetic("\"update\": \"accumulate\"", "\"grid\": { \"plan.lossWindow\": [1, 2, 4, null], \"evalTrain\": [true] }"));
        Assert.Equal([1, 2, null], sweep.Runs.Select(r => r.Config.LossWindow));   // 4 = T and null are BPTT, one run
        Assert.Equal(1, sweep.Duplicates);
        Assert.All(sweep.Runs, r => Assert.True(r.Config.EvalTrain));
        var bad = Assert.Throws<ExperimentConfigException>(() => Sweep.Parse(Synthetic("\"K\": 2", "\"grid\": { \"plan.lossWindow\": [1, 3] }")));
        Assert.Equal("plan.lossWindow", bad.Key);
        Assert.Contains("plan.lossWindow = 3", bad.Message);
    }
}
