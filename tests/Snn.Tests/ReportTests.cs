using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Snn.Charts;
using Snn.Experiments;
using Snn.Reports;
using Snn.Training;

namespace Snn.Tests;

/// <summary>
/// `snn report`'s core: a results tree written by hand with known numbers (two experiments, three seeds in one
/// configuration, a failed and an incomplete run) gives the exact n, mean and sample std in the table and CSV;
/// shards side by side give the same report as one tree; the page is offline.
/// </summary>
public sealed class ReportTests : IDisposable
{
    private const double Mib = 1024 * 1024;
    private static readonly JsonSerializerOptions Camel = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase, WriteIndented = true };
    private readonly string dir = Directory.CreateTempSubdirectory("snn report ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A config.json as the runner writes it (sorted keys, defaults filled).</summary>
    internal static string Config(string experiment, string dataset, string k, string b, string blocks, int seed) => $$"""
        {
          "T": 4,
          "batch": 32,
          "dataset": {
            "encoding": "direct",
            "name": "{{dataset}}",
            "testSubset": 64,
            "timeBins": null,
            "trainSubset": 256
          },
          "device": "cpu",
          "epochs": 2,
          "evalBatch": 500,
          "experiment": "{{experiment}}",
          "network": "4C3-P2-6C3-FC2",
          "optimizer": {
            "cosine": true,
            "lr": 0.005
          },
          "plan": {
            "B": {{b}},
            "K": {{k}},
            "blocks": {{blocks}},
            "head": "pool-linear",
            "loss": "cross-entropy",
            "update": "per-window-and-block"
          },
          "seed": {{seed}}
        }

        """.Replace("\r\n", "\n");

    private static string IdOf(string config) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config)))[..12];

    /// <summary>Writes a run folder under root/experiment/id: config.json, epochs.csv (test accuracy per epoch) and, by status, summary.json or failure.json.</summary>
    internal static string WriteRun(string root, string config, RunStatus status, double[] testAccuracy, double trainLoss = 0.5, double best = 0,
        long peakBytes = 0, double macs = 1e6)
    {
        var experiment = JsonDocument.Parse(config).RootElement.GetProperty("experiment").GetString()!;
        var run = Path.Combine(root, experiment, IdOf(config));
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.json"), config);
        var epochs = testAccuracy.Select((a, i) => new EpochMetrics(i + 1, trainLoss + (testAccuracy.Length - 1 - i), 0.9, 0.4, a, 1.5, 256L * (i + 1), 1e-3, PeakStepBytes: peakBytes)).ToList();
        File.WriteAllText(Path.Combine(run, "epochs.csv"), EpochTable.Csv(epochs));
        if (status == RunStatus.Failed) File.WriteAllText(Path.Combine(run, "failure.json"), "{ \"error\": \"diverged\", \"message\": \"loss is NaN at epoch 2\" }\n");
        if (status == RunStatus.Finished)
        {
            var last = epochs[^1];
            var summary = new RunSummary(experiment, IdOf(config), epochs.Count, last.TrainLoss, 0.9, 0.4, last.TestAccuracy, best, 2, 0.9 - last.TestAccuracy,
                3.0, 16, peakBytes, new RunCosts(macs, 2e6, 3 * Mib, 4 * Mib, 1e5, 2e5, 7e6));
            File.WriteAllText(Path.Combine(run, "summary.json"), JsonSerializer.Serialize(summary, Camel) + "\n");
        }
        return run;
    }

    // alpha K=1 B=1: seeds 0, 1, 2 finished; alpha K=2 B=1: seed 0 finished, seed 1 failed, seed 2 incomplete;
    // beta (fashion-mnist, blocks [1, 2]): seeds 0, 1 finished.
    internal static void WriteTree(string alphaRoot, string betaRoot)
    {
        string Alpha(string k, int seed) => Config("alpha", "synthetic", k, "1", "null", seed);
        WriteRun(alphaRoot, Alpha("1", 0), RunStatus.Finished, [0.5, 0.75], trainLoss: 0.5, best: 0.75, peakBytes: 1 << 20);
        WriteRun(alphaRoot, Alpha("1", 1), RunStatus.Finished, [0.25, 0.5], trainLoss: 0.25, best: 0.625, peakBytes: 2 << 20);
        WriteRun(alphaRoot, Alpha("1", 2), RunStatus.Finished, [0.375, 0.625], trainLoss: 0.75, best: 0.75, peakBytes: 3 << 20);
        WriteRun(alphaRoot, Alpha("2", 0), RunStatus.Finished, [0.625, 0.875], best: 0.875, peakBytes: 1 << 20, macs: 2e6);
        WriteRun(alphaRoot, Alpha("2", 1), RunStatus.Failed, [0.5]);
        var incomplete = WriteRun(alphaRoot, Alpha("2", 2), RunStatus.Incomplete, [0.5]);
        File.WriteAllText(Path.Combine(incomplete, "checkpoint.bin"), "not read by the report");
        string Beta(int seed) => Config("beta", "fashion-mnist", "1", "\"all\"", "[\n      1,\n      2\n    ]", seed);
        WriteRun(betaRoot, Beta(0), RunStatus.Finished, [0.125, 0.25], best: 0.25, peakBytes: 5 << 20);
        WriteRun(betaRoot, Beta(1), RunStatus.Finished, [0.25, 0.375], best: 0.375, peakBytes: 5 << 20);
    }

    /// <summary>CSV rows as header → cell maps (RFC 4180 quotes).</summary>
    internal static List<Dictionary<string, string>> ReadCsv(string text)
    {
        var rows = new List<List<string>>();
        var (row, cell, quoted) = (new List<string>(), new StringBuilder(), false);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add(row); row = []; }
            else cell.Append(c);
        }
        Assert.Empty(row);
        Assert.True(rows.All(r => r.Count == rows[0].Count), "every CSV row has the header's number of cells");
        return rows.Skip(1).Select(r => rows[0].Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    private static double Sample(params double[] v) => Math.Sqrt(v.Sum(x => Math.Pow(x - v.Average(), 2)) / (v.Length - 1));

    [Fact]
    public void Report_table_gives_exact_n_mean_and_sample_std_per_configuration()
    {
        var root = Path.Combine(dir, "results");
        WriteTree(root, root);
        var scan = ResultsScan.Of(root);
        Assert.Empty(scan.Warnings);
        Assert.Equal(8, scan.Runs.Count);
        var table = ReportTable.Build(scan.Runs);

        Assert.Equal(["dataset.name", "plan.K", "plan.B", "plan.blocks"], table.VaryingKeys);
        Assert.Equal(["alpha name=synthetic K=1 B=1 blocks=null", "alpha name=synthetic K=2 B=1 blocks=null", "beta name=fashion-mnist K=1 B=all blocks=[1,2]"],
            table.Rows.Select(r => r.Label));
        var (k1, k2, beta) = (table.Rows[0], table.Rows[1], table.Rows[2]);

        Assert.Equal((3, 0, 0), (k1.Finished, k1.Failed, k1.Incomplete));
        Assert.Equal([0, 1, 2], k1.Seeds);
        Assert.Equal(new MeanStd(3, 0.625, 0.125), k1.FinalTestAccuracy);
        Assert.Equal(new MeanStd(3, 0.5, 0.25), k1.FinalTrainLoss);
        Assert.Equal(new MeanStd(3, 2 * Mib, Mib), k1.PeakStepBytes);
        Assert.Equal(2.125 / 3, k1.BestTestAccuracy!.Value.Mean, 15);
        Assert.Equal(Sample(0.75, 0.625, 0.75), k1.BestTestAccuracy!.Value.Std!.Value, 15);
        Assert.Equal(new MeanStd(3, 0.9 - 0.625, Sample(0.9 - 0.75, 0.9 - 0.5, 0.9 - 0.625)), k1.TrainTestGap);
        Assert.Equal(new MeanStd(3, 1e6, 0), k1.Macs);
        Assert.Equal([(1, new MeanStd(3, 0.375, 0.125)), (2, new MeanStd(3, 0.625, 0.125))], k1.TestAccuracyCurve);

        Assert.Equal((1, 1, 1), (k2.Finished, k2.Failed, k2.Incomplete));
        Assert.Equal(new MeanStd(1, 0.875, null), k2.FinalTestAccuracy);
        Assert.Equal("loss is NaN at epoch 2", k2.Runs.Single(r => r.Status == RunStatus.Failed).Failure);
        Assert.Equal((2, 0, 0), (beta.Finished, beta.Failed, beta.Incomplete));
        Assert.Equal(new MeanStd(2, 0.3125, Sample(0.25, 0.375)), beta.FinalTestAccuracy);

        var text = table.ToText();
        var lines = text.Split('\n');
        Assert.Matches(@"^experiment  dataset\.name   plan\.K  plan\.B  plan\.blocks  n +test acc % +best acc % +gap pp +train loss +peak MiB +MACs +access MiB +model peak MiB  failed  incomplete$", lines[0]);
        Assert.Matches(@"^alpha\s+synthetic\s+1\s+1\s+3\s+62\.50 ± 12\.50\s+70\.83 ± 7\.22\s+27\.50 ± 12\.50\s+0\.5000 ± 0\.2500\s+2\.00 ± 1\.00\s+1\.00M\s+3\.0\s+4\.00\s+0\s+0$", lines[2]);
        Assert.Matches(@"^alpha\s+synthetic\s+2\s+1\s+1\s+87\.50 ± —\s+87\.50 ± —\s+2\.50 ± —\s+0\.5000 ± —\s+1\.00 ± —\s+2\.00M\s+3\.0\s+4\.00\s+1\s+1$", lines[3]);
        Assert.Matches(@"^beta\s+fashion-mnist\s+1\s+all\s+\[1,2\]\s+2\s+31\.25 ± 8\.84\s", lines[4]);
        Assert.Contains("3 configuration(s), 8 run(s): 6 finished, 1 failed, 1 incomplete\n", text);
        Assert.DoesNotContain("missing", text);

        var out1 = Path.Combine(dir, "out");
        table.WriteCsv(out1, root);
        var report = ReadCsv(File.ReadAllText(Path.Combine(out1, "report.csv")));
        Assert.Equal(3, report.Count);
        var a = report[0];
        Assert.Equal(("alpha", "synthetic", "1", "", "0;1;2", "3", "0", "0"), (a["experiment"], a["dataset.name"], a["plan.K"], a["plan.blocks"], a["seeds"], a["n"], a["failed"], a["incomplete"]));
        Assert.Equal(("0.625", "0.125"), (a["final_test_accuracy_mean"], a["final_test_accuracy_std"]));
        Assert.Equal(("0.5", "0.25"), (a["final_train_loss_mean"], a["final_train_loss_std"]));
        Assert.Equal(("2097152", "1048576"), (a["peak_step_bytes_mean"], a["peak_step_bytes_std"]));
        Assert.Equal(("1000000", "0"), (a["macs_mean"], a["macs_std"]));
        Assert.Equal(k1.BestTestAccuracy!.Value.Std!.Value, double.Parse(a["best_test_accuracy_std"], CultureInfo.InvariantCulture));
        Assert.False(a.ContainsKey("seed"));
        Assert.Equal(("1", "1", "1", "0.875", ""), (report[1]["n"], report[1]["failed"], report[1]["incomplete"], report[1]["final_test_accuracy_mean"], report[1]["final_test_accuracy_std"]));
        Assert.Equal(("[1,2]", "all", "2", "0.3125"), (report[2]["plan.blocks"], report[2]["plan.B"], report[2]["n"], report[2]["final_test_accuracy_mean"]));

        var runs = ReadCsv(File.ReadAllText(Path.Combine(out1, "runs.csv")));
        Assert.Equal(8, runs.Count);
        Assert.Equal(["finished", "finished", "finished", "finished", "failed", "incomplete", "finished", "finished"], runs.Select(r => r["status"]));
        Assert.Equal(("0.75", "0.5", "0", "1048576", "1000000", "7000000"), (runs[0]["final_test_accuracy"], runs[0]["final_train_loss"], runs[0]["seed"], runs[0]["peak_step_bytes"], runs[0]["macs"], runs[0]["energy_pj"]));
        Assert.Equal(("loss is NaN at epoch 2", ""), (runs[4]["failure"], runs[4]["final_test_accuracy"]));
        Assert.Equal($"alpha/{runs[0]["run_id"]}", runs[0]["path"]);
        Assert.All(runs, r => Assert.Equal(r["run_id"], Path.GetFileName(r["path"])));
    }

    [Fact]
    public void Expected_runs_without_a_folder_are_counted_missing()
    {
        var root = Path.Combine(dir, "results");
        WriteTree(root, root);
        var scan = ResultsScan.Of(root);
        var seed3 = Config("alpha", "synthetic", "1", "1", "null", 3);
        ExpectedRun[] expected = [.. scan.Runs.Select(r => new ExpectedRun(r.Experiment, r.RunId)), new("alpha", IdOf(seed3), seed3), new("gamma", "0123456789ab")];
        var table = ReportTable.Build(scan.Runs, expected);
        Assert.Equal(2, table.Missing);
        Assert.Equal([1, 0, 0], table.Rows.Select(r => r.Missing));
        Assert.Equal(3, table.Rows[0].Finished);   // the missing seed adds no statistics
        Assert.Equal("gamma", Assert.Single(table.UnplacedMissing).Experiment);
        var text = table.ToText();
        Assert.Contains("  missing\n", text.Split('\n')[0] + "\n");
        Assert.Contains("6 finished, 1 failed, 1 incomplete, 2 missing", text);
        Assert.Contains("missing (config unknown): gamma/0123456789ab", text);
        var missing = ReadCsv(table.RunsCsv(root)).Where(r => r["status"] == "missing").ToList();
        Assert.Equal([("alpha", IdOf(seed3), "3", "1"), ("gamma", "0123456789ab", "", "")], missing.Select(r => (r["experiment"], r["run_id"], r["seed"], r["plan.K"])));
        Assert.Equal("1", ReadCsv(table.Csv())[0]["missing"]);
    }

    [Fact]
    public void Shards_side_by_side_give_the_same_report_as_one_tree()
    {
        var one = Path.Combine(dir, "one");
        WriteTree(one, one);
        var merged = Path.Combine(dir, "merged");
        WriteTree(Path.Combine(merged, "machine-a", "results"), Path.Combine(merged, "shard-b"));
        // The same finished run copied into both shards counts once.
        var copy = Directory.GetDirectories(Path.Combine(merged, "shard-b", "beta"))[0];
        var again = Path.Combine(merged, "machine-a", "results", "beta", Path.GetFileName(copy));
        Directory.CreateDirectory(again);
        foreach (var f in Directory.GetFiles(copy)) File.Copy(f, Path.Combine(again, Path.GetFileName(f)));

        var (a, b) = (ResultsScan.Of(one), ResultsScan.Of(merged));
        Assert.Empty(a.Warnings);
        Assert.Contains("found twice", Assert.Single(b.Warnings));
        var (ta, tb) = (ReportTable.Build(a.Runs), ReportTable.Build(b.Runs));
        Assert.Equal(ta.ToText(), tb.ToText());
        Assert.Equal(ta.Csv(), tb.Csv());
        static string WithoutPath(string csv) => string.Join('\n', csv.Split('\n').Select(l => l.Length == 0 ? l : l[..l.LastIndexOf(',')]));
        Assert.Equal(WithoutPath(ta.RunsCsv(one)), WithoutPath(tb.RunsCsv(merged)));
        Assert.Contains(",shard-b/beta/", tb.RunsCsv(merged));
    }

    [Fact]
    public void Report_page_embeds_plotly_and_draws_three_charts_offline()
    {
        var root = Path.Combine(dir, "results");
        WriteTree(root, root);
        var table = ReportTable.Build(ResultsScan.Of(root).Runs);
        var page = ReportPage.Html(table, "unit <report>", ["results folder: x"]);
        Assert.Contains(ChartHtml.LibraryScript(), page);
        Assert.Contains("plotly.js v" + ChartHtml.PlotlyVersion, page);
        Assert.DoesNotMatch(new Regex("<script[^>]+src=", RegexOptions.IgnoreCase), page);
        Assert.Equal(3, Regex.Matches(page, "<div id=\"snn-chart-[0-9a-f]+\" class=\"snn-chart\">").Count);
        Assert.Contains("<title>unit &lt;report&gt;</title>", page);
        Assert.Contains("<th>test acc %</th>", page);
        Assert.Contains("<td class=\"num\">62.50 ± 12.50</td>", page);

        // The figures carry the means and the std error bars in %.
        var bars = Plotly.NET.GenericChart.toFigureJson(ReportCharts.TestAccuracy(table)!).Replace(" ", "");
        Assert.Contains("\"y\":[62.5,87.5,31.25]", bars);
        Assert.Contains("\"array\":[12.5,0.0,", bars);
        var curves = Plotly.NET.GenericChart.toFigureJson(ReportCharts.EpochCurves(table)!).Replace(" ", "");
        Assert.Contains("\"x\":[1,2],\"y\":[37.5,62.5]", curves);
        var memory = Plotly.NET.GenericChart.toFigureJson(ReportCharts.AccuracyVsMemory(table)!).Replace(" ", "");
        Assert.Contains("\"x\":[2.0],\"y\":[62.5]", memory);
    }

    [Fact]
    public void A_report_is_never_written_inside_a_run_folder()
    {
        var root = Path.Combine(dir, "results");
        WriteTree(root, root);
        var scan = ResultsScan.Of(root);
        var run = scan.Runs[0].Directory;
        var table = ReportTable.Build(scan.Runs);
        var e = Assert.Throws<ArgumentException>(() => table.WriteCsv(Path.Combine(run, "tb"), root));
        Assert.Contains("inside the run folder", e.Message);
        Assert.Throws<ArgumentException>(() => table.WriteCsv(run, root));
        Assert.False(Directory.Exists(Path.Combine(run, "tb")));
        Assert.False(File.Exists(Path.Combine(run, "report.csv")));
        Assert.Throws<DirectoryNotFoundException>(() => ResultsScan.Of(Path.Combine(dir, "absent")));
    }

    [Fact]
    public void Two_real_runs_on_the_synthetic_data_report_their_mean_and_std()
    {
        var root = Path.Combine(dir, "results");
        var summaries = new[] { 0, 1 }.Select(seed => new ExperimentRunner(ExperimentConfig.Parse(ExperimentConfigTests.Synthetic()
            .Replace("\"epochs\": 3", "\"epochs\": 2").Replace("\"seed\": 9", $"\"seed\": {seed}")
            .Replace("\"experiment\": \"unit\"", "\"experiment\": \"e2e\"")), root).Run().Summary).ToList();

        var (code, output, error) = ConsoleCapture.Snn("report", root);
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        var a = summaries.Select(s => s.FinalTestAccuracy!.Value).ToArray();
        var row = Assert.Single(ReadCsv(File.ReadAllText(Path.Combine(root, "report.csv"))));
        Assert.Equal(("e2e", "0;1", "2", "0", "0"), (row["experiment"], row["seeds"], row["n"], row["failed"], row["incomplete"]));
        Assert.Equal(a.Average(), double.Parse(row["final_test_accuracy_mean"], CultureInfo.InvariantCulture), 15);
        Assert.Equal(Math.Abs(a[0] - a[1]) / Math.Sqrt(2), double.Parse(row["final_test_accuracy_std"], CultureInfo.InvariantCulture), 15);
        Assert.Equal(summaries[0].Costs.Macs.ToString("R", CultureInfo.InvariantCulture), row["macs_mean"]);
        Assert.Contains($"{100 * a.Average():F2} ± {100 * Math.Abs(a[0] - a[1]) / Math.Sqrt(2):F2}", output);
        Assert.Contains("1 configuration(s), 2 run(s): 2 finished, 0 failed, 0 incomplete", output);
        Assert.Equal(2, ReadCsv(File.ReadAllText(Path.Combine(root, "runs.csv"))).Count(r => r["status"] == "finished"));
        var page = File.ReadAllText(Path.Combine(root, "report.html"));
        var charts = summaries.All(s => s.PeakStepBytes is not null) ? 3 : 2;
        Assert.Equal(charts, Regex.Matches(page, "class=\"snn-chart\"").Count);
        Assert.DoesNotContain("<script src", page);
    }
}
