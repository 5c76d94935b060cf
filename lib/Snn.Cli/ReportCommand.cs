using System.CommandLine;
using System.Globalization;
using Snn.Charts;
using Snn.Experiments;
using Snn.Reports;

namespace Snn.Cli;

/// <summary>
/// `snn report RESULTS_DIR`: every run found under the folder (any depth, so shards copied side by side merge),
/// one row per configuration with mean ± std over seeds; writes report.csv, runs.csv and report.html (docs/experiments.md).
/// </summary>
internal static class ReportCommand
{
    public const string Description = """
        Report the runs under RESULTS_DIR (folders holding config.json at any depth: results/<experiment>/<run id>/,
        trees from several machines or shards side by side). Prints one row per configuration (the config without
        its seed; columns: the keys that differ) with the finished seeds n, mean ± std over seeds of the final and
        best test accuracy, train − test gap, final train loss and measured peak step memory, the cost model's
        numbers, and the failed and incomplete runs. Writes report.csv, runs.csv and report.html (offline charts)
        into --out (default RESULTS_DIR; earlier reports there are replaced, a run folder is refused).
        Exit 2 if RESULTS_DIR is missing or holds no runs.
        """;

    public static Command Create()
    {
        var results = new Argument<string>("RESULTS_DIR") { Description = "the results folder to scan (e.g. results/)" };
        var output = new Option<string?>("--out")
        {
            Description = $"folder for {ReportTable.ReportCsvFile}, {ReportTable.RunsCsvFile} and {ReportTable.HtmlFile} (default: RESULTS_DIR)",
            HelpName = "DIR",
        };
        var experiment = new Option<string?>("--experiment") { Description = "only the runs of this experiment", HelpName = "NAME" };
        var sweep = new Option<string?>("--sweep")
        {
            Description = "a sweep config: also count its runs that have no folder yet (missing)",
            HelpName = "CONFIG",
        };
        var command = new Command("report", Description) { results, output, experiment, sweep };
        command.SetAction(r => CliSupport.Guarded("snn report", () =>
            Execute(r.GetValue(results)!, r.GetValue(output), r.GetValue(experiment), r.GetValue(sweep))));
        return command;
    }

    /// <summary>The runs a sweep config expects (expanded with the active profile, as `snn sweep` does).</summary>
    private static IReadOnlyList<ExpectedRun> ExpectedRunsOf(string sweepConfig)
    {
        if (!File.Exists(sweepConfig)) throw new UsageException($"--sweep {sweepConfig}: file not found; expected a sweep config (docs/experiments.md).");
        try { return Sweep.Load(sweepConfig, CliSupport.Input(() => Profiles.Current)).Runs.Select(r => ExpectedRun.Of(r.Config)).ToList(); }
        catch (ExperimentConfigException e) { throw new UsageException($"--sweep {sweepConfig}: {e.Message}"); }
    }

    private static int Execute(string resultsDir, string? outDir, string? experiment, string? sweepConfig)
    {
        if (File.Exists(resultsDir)) throw new UsageException($"RESULTS_DIR {resultsDir} is a file; expected the results folder (e.g. results/).");
        if (!Directory.Exists(resultsDir))
            throw new UsageException($"RESULTS_DIR {resultsDir}: folder not found; expected the results folder (e.g. results/).");
        var expected = sweepConfig is null ? null : ExpectedRunsOf(sweepConfig);

        var scan = ResultsScan.Of(resultsDir);
        foreach (var warning in scan.Warnings) Console.Error.WriteLine($"snn report: warning: {warning}");
        var runs = scan.Runs.Where(r => experiment is null || r.Experiment == experiment).ToList();
        expected = expected?.Where(e => experiment is null || e.Experiment == experiment).ToList();
        if (runs.Count == 0 && (expected is null || expected.Count == 0))
        {
            if (experiment is not null && scan.Runs.Count > 0)
                throw new UsageException($"--experiment {experiment}: no runs of it under {resultsDir}; "
                    + $"experiments found: {string.Join(", ", scan.Runs.Select(r => r.Experiment).Distinct())}.");
            throw new UsageException($"no runs found under {resultsDir}: expected folders holding {ExperimentRunner.ConfigFile} "
                + $"(results/<experiment>/<run id>/ from `snn train CONFIG.json --results {resultsDir}`).");
        }

        var folder = outDir ?? resultsDir;
        if (File.Exists(folder)) throw new UsageException($"--out {folder} is a file; expected a folder for the report.");
        try { ReportTable.CheckOutputFolder(folder, scan.Runs); }
        catch (ArgumentException e) { throw new UsageException($"--out {CliSupport.Plain(e)}"); }

        var table = ReportTable.Build(runs, expected);
        Console.Write(table.ToText());
        var written = table.WriteCsv(folder, scan.Root).ToList();
        var html = Path.Combine(folder, ReportTable.HtmlFile);
        var notes = new List<string> { $"results folder: {scan.Root}" };
        if (experiment is not null) notes.Add($"experiment: {experiment}");
        notes.Add($"written {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        notes.AddRange(scan.Warnings.Select(w => $"warning: {w}"));
        var temp = html + ".tmp";
        File.WriteAllText(temp, ReportPage.Html(table, $"Results report: {Path.GetFileName(scan.Root)}", notes));
        File.Move(temp, html, overwrite: true);
        written.Add(html);
        Console.WriteLine($"wrote {string.Join(", ", written)}");
        return ExitCodes.Ok;
    }
}
