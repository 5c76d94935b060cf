using System.Globalization;
using Snn.Charts;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// What notebook 05 shows beside the verdicts: every arm's numbers per setting (means over the plan's seeds, steps),
/// the seeds complete in every contrast, learning curves read from the runs' epochs.csv against optimizer steps, and
/// the charts drawn from them (forest plot with the margin band, arm bars, curves against steps).
/// </summary>
public sealed class StudyArmsTests
{
    private const string PlanJson = """
        { "study": "arms", "alpha": 0.05, "margin": 0.005, "correction": "holm", "seeds": [0, 1, 2],
          "arms": { "bptt": { "arm": "bptt" }, "pw": { "arm": "pw" } },
          "settings": { "frames": { "dataset.name": "f" }, "events": { "dataset.name": "e" } },
          "contrasts": [
            { "id": "C1", "claim": "C1", "setting": "frames", "treatment": "pw", "control": "bptt", "metric": "final_test_accuracy", "expected": -1 },
            { "id": "upd", "setting": "events", "treatment": "pw", "control": "bptt", "metric": "final_test_accuracy", "expected": 0 }
          ] }
        """;

    private static readonly StudyPlan Plan = StudyPlan.Parse(PlanJson, "arms-plan.json");

    private static Dictionary<string, string> Row(
        string dataset, string arm, int seed, double test, long steps, double? clean = null, string status = "finished") => new()
        {
            ["status"] = status,
            ["run_id"] = $"{dataset}-{arm}-{seed}",
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["dataset.name"] = dataset,
            ["arm"] = arm,
            ["final_test_accuracy"] = test.ToString("R", CultureInfo.InvariantCulture),
            ["clean_train_accuracy"] = clean?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["clean_train_test_gap"] = clean is { } c ? (c - test).ToString("R", CultureInfo.InvariantCulture) : "",
            ["peak_step_bytes"] = "1048576",
            ["optimizer_steps"] = steps.ToString(CultureInfo.InvariantCulture),
            ["cpu"] = "cpu A",
            ["plan_sha256"] = Plan.Sha256,
            ["path"] = $"arms/{dataset}-{arm}-{seed}",
        };

    // Frames: seeds 0–2 of both arms; events: pw misses seed 2; a seed outside the plan (7) and an unfinished run are ignored.
    private static List<IReadOnlyDictionary<string, string>> Rows() =>
    [
        Row("f", "bptt", 0, 0.75, 360, 0.875), Row("f", "bptt", 1, 0.5, 360, 0.625), Row("f", "bptt", 2, 0.625, 360, 0.75),
        Row("f", "pw", 0, 0.875, 3600), Row("f", "pw", 1, 0.75, 3600), Row("f", "pw", 2, 0.8125, 1800),
        Row("e", "bptt", 0, 0.5, 480), Row("e", "bptt", 1, 0.5, 480), Row("e", "bptt", 2, 0.5, 480),
        Row("e", "pw", 0, 0.625, 4800), Row("e", "pw", 1, 0.625, 4800), Row("e", "pw", 7, 0.0, 4800),
        Row("e", "pw", 2, 0.0, 4800, status: "incomplete"),
    ];

    [Fact]
    public void Every_arm_is_summarised_per_setting_over_the_plans_seeds_with_its_steps()
    {
        var analysis = StudyAnalysis.Run(Plan, Rows());
        Assert.Equal(["frames/bptt", "frames/pw", "events/bptt", "events/pw"], analysis.Arms.Select(a => $"{a.Setting}/{a.Arm}"));
        var bptt = analysis.Arms[0];
        Assert.Equal([0, 1, 2], bptt.Seeds);
        Assert.Equal(0.625, bptt.TestAccuracy.Mean, 12);
        Assert.Equal(0.125, bptt.TestAccuracy.Std!.Value, 12);   // 0.75, 0.5, 0.625
        Assert.Equal(0.75, bptt.CleanTrainAccuracy!.Value.Mean, 12);
        Assert.Equal(0.125, bptt.CleanTrainTestGap!.Value.Mean, 12);
        Assert.Equal(1048576, bptt.PeakStepBytes!.Value.Mean);
        Assert.Equal("360", bptt.StepsText);
        var pw = analysis.Arms[1];
        Assert.Null(pw.CleanTrainAccuracy);                      // no clean train accuracy recorded
        Assert.Equal("1800/3600", pw.StepsText);                 // distinct steps, ascending
        Assert.Equal(["arms/f-pw-0", "arms/f-pw-1", "arms/f-pw-2"], pw.RunPaths);
        var eventsPw = analysis.Arms[3];
        Assert.Equal([0, 1], eventsPw.Seeds);                    // seed 7 is not a plan seed; seed 2 unfinished
        Assert.Equal([0, 1], analysis.CompleteSeeds);            // seed 2 lacks events/pw
        Assert.Equal(["cpu A"], analysis.CpuModels);
    }

    private static void WriteEpochs(string root, string path, params double?[] tests)
    {
        Directory.CreateDirectory(Path.Combine(root, path));
        var lines = new List<string> { "epoch,train_loss,train_accuracy,test_loss,test_accuracy" };
        lines.AddRange(tests.Select((t, i) => $"{i + 1},1.0,0.5,{(t is null ? "" : "0.9")},{t?.ToString("R", CultureInfo.InvariantCulture) ?? ""}"));
        File.WriteAllLines(Path.Combine(root, path, "epochs.csv"), lines);
    }

    [Fact]
    public void Learning_curves_average_each_evaluated_epoch_over_seeds_against_optimizer_steps()
    {
        var root = Directory.CreateTempSubdirectory("snn-arms-").FullName;
        try
        {
            var analysis = StudyAnalysis.Run(Plan, Rows());
            foreach (var arm in analysis.Arms)
                foreach (var (path, i) in arm.RunPaths.Select((p, i) => (p, i)))
                    WriteEpochs(root, path, 0.5, null, 0.5 + 0.125 * i);   // epoch 2 not evaluated
            var curves = analysis.LearningCurves(root);
            var bptt = curves.Single(c => c.Setting == "frames" && c.Arm == "bptt");
            Assert.Equal([1, 3], bptt.Points.Select(p => p.Epoch));
            Assert.Equal([120L, 360L], bptt.Points.Select(p => p.OptimizerSteps));   // 360 steps over 3 epochs
            Assert.Equal(0.5, bptt.Points[0].TestAccuracy.Mean, 12);
            Assert.Equal(0.625, bptt.Points[1].TestAccuracy.Mean, 12);               // 0.5, 0.625, 0.75
            Assert.Equal(3, bptt.Points[1].TestAccuracy.N);
            Assert.Equal([0.0, 0.125, 0.25], bptt.LastChanges.Select(c => Math.Round(c, 12)));   // between epochs 1 and 3
            var pw = curves.Single(c => c.Setting == "frames" && c.Arm == "pw");
            Assert.Equal([1200L, 3600L], pw.Points.Select(p => p.OptimizerSteps));   // the first run's steps per epoch (runs in seed order)

            File.Delete(Path.Combine(root, "arms/e-pw-1", "epochs.csv"));
            var missing = Assert.Throws<FileNotFoundException>(() => analysis.LearningCurves(root));
            Assert.Contains("arms/e-pw-1", missing.Message);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static string Json(Plotly.NET.GenericChart chart) => Plotly.NET.GenericChart.toFigureJson(chart).Replace(" ", "");

    [Fact]
    public void The_forest_plot_draws_every_contrast_by_verdict_over_the_margin_band()
    {
        var analysis = StudyAnalysis.Run(Plan, Rows());
        var json = Json(StudyAnalysisCharts.Forest(analysis));
        // C1: pw − bptt on frames = +0.125, +0.25, +0.1875 → mean 18.75 pt, one point in its verdict's trace.
        Assert.Contains("\"x\":[18.75]", json);
        Assert.Contains("\"y\":[\"C1(testacc)\"]", json);
        Assert.Contains($"\"name\":\"{analysis.Contrasts[0].Word}\"", json);
        Assert.Contains("\"x\":[12.5]", json);                   // the finding: +0.125 on both event seeds
        Assert.Contains("\"type\":\"rect\"", json);
        Assert.Contains("\"x0\":-0.5,\"x1\":0.5", json);          // the ±0.5 pt margin band
        Assert.Contains("\"categoryarray\":[\"upd(testacc)\",\"C1(testacc)\"]", json);   // plan order from the top
    }

    [Fact]
    public void Arm_bars_and_curves_label_each_arm_with_its_seeds_and_steps()
    {
        var root = Directory.CreateTempSubdirectory("snn-arms-").FullName;
        try
        {
            var analysis = StudyAnalysis.Run(Plan, Rows());
            var bars = Json(StudyAnalysisCharts.ArmAccuracy(analysis, "frames"));
            Assert.Contains("\"x\":[\"bptt\",\"pw\"]", bars);
            Assert.Contains("\"y\":[62.5,81.25]", bars);
            Assert.Contains("\"text\":[\"n=3,360steps\",\"n=3,1800/3600steps\"]", bars);
            Assert.Throws<ArgumentException>(() => StudyAnalysisCharts.ArmAccuracy(analysis, "nope"));

            foreach (var arm in analysis.Arms)
                foreach (var path in arm.RunPaths) WriteEpochs(root, path, 0.5, 0.625);
            var curves = Json(StudyAnalysisCharts.AccuracyVsSteps(analysis, analysis.LearningCurves(root), "frames"));
            Assert.Contains("\"name\":\"bptt(360steps)\"", curves);
            Assert.Contains("\"x\":[180.0,360.0]", curves);
            Assert.Contains("\"x\":[1800.0,3600.0]", curves);
            Assert.Contains("\"dash\":\"dash\"", curves);            // more steps than the fewest: dashed
            Assert.Contains("\"type\":\"log\"", curves);
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
