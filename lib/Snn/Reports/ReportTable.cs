using System.Globalization;
using System.Text;
using Snn.Experiments;
using Snn.IO;

namespace Snn.Reports;

/// <summary>
/// The report of a results tree (`snn report`, docs/experiments.md): one row per configuration (the config without
/// its seed), mean ± sample std over the finished seeds, counts of failed, incomplete and missing runs; as an aligned
/// text table (the columns: the experiment and only the config keys that differ between rows), as report.csv (every
/// config key, n, mean and std columns) and runs.csv (one row per run). Numbers in CSV are invariant, round-trip.
/// </summary>
public sealed class ReportTable
{
    public const string ReportCsvFile = "report.csv";
    public const string RunsCsvFile = "runs.csv";
    public const string HtmlFile = "report.html";

    private sealed record Metric(string Name, Func<RunSummary, double?> OfRun, Func<ReportRow, MeanStd?> OfRow);

    private static readonly Metric[] Metrics =
    [
        new("final_test_accuracy", s => s.FinalTestAccuracy, r => r.FinalTestAccuracy),
        new("best_test_accuracy", s => s.BestTestAccuracy, r => r.BestTestAccuracy),
        new("train_test_gap", s => s.TrainTestGap, r => r.TrainTestGap),
        new("final_train_loss", s => s.FinalTrainLoss, r => r.FinalTrainLoss),
        new("peak_step_bytes", s => s.PeakStepBytes, r => r.PeakStepBytes),
        new("total_seconds", s => s.TotalSeconds, r => r.TotalSeconds),
        new("macs", s => s.Costs.Macs, r => r.Macs),
        new("access_bytes", s => s.Costs.AccessBytes, r => r.AccessBytes),
        new("modelled_peak_step_bytes", s => s.Costs.ModelledPeakStepBytes, r => r.ModelledPeakStepBytes),
    ];

    private ReportTable(IReadOnlyList<ReportRow> rows, IReadOnlyList<string> varyingKeys, IReadOnlyList<string> configKeys,
        IReadOnlyList<ExpectedRun> unplacedMissing, int missing, bool expectedGiven) =>
        (Rows, VaryingKeys, ConfigKeysInOrder, UnplacedMissing, Missing, ExpectedGiven) =
            (rows, varyingKeys, configKeys, unplacedMissing, missing, expectedGiven);

    /// <summary>One row per configuration, by experiment, then by the varying keys (numbers numerically).</summary>
    public IReadOnlyList<ReportRow> Rows { get; }

    /// <summary>Dotted config keys (besides experiment and seed) whose value differs between rows.</summary>
    public IReadOnlyList<string> VaryingKeys { get; }

    /// <summary>Every dotted config key of the rows besides experiment and seed, in report order.</summary>
    public IReadOnlyList<string> ConfigKeysInOrder { get; }

    /// <summary>Expected runs with no folder and no known config: counted in <see cref="Missing"/> but in no row.</summary>
    public IReadOnlyList<ExpectedRun> UnplacedMissing { get; }

    /// <summary>Expected runs with no folder (0 when no expected runs were given).</summary>
    public int Missing { get; }

    /// <summary>Whether expected runs were given (the missing column is shown).</summary>
    public bool ExpectedGiven { get; }

    public IEnumerable<RunRecord> Runs => Rows.SelectMany(r => r.Runs);

    /// <summary>
    /// Groups <paramref name="runs"/> by configuration. <paramref name="expected"/> (e.g. a sweep's runs): those with
    /// no run among <paramref name="runs"/> are missing, counted in their configuration's row when their config is given.
    /// </summary>
    public static ReportTable Build(IEnumerable<RunRecord> runs, IEnumerable<ExpectedRun>? expected = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var all = runs.ToList();
        var present = all.Select(r => (r.Experiment, r.RunId)).ToHashSet();
        var missing = (expected ?? []).Where(e => !present.Contains((e.Experiment, e.RunId))).DistinctBy(e => (e.Experiment, e.RunId)).ToList();

        var groups = new Dictionary<string, (string Experiment, IReadOnlyDictionary<string, string> Config, List<RunRecord> Runs, List<ExpectedRun> Missing)>(
            StringComparer.Ordinal);
        (string Experiment, IReadOnlyDictionary<string, string> Config, List<RunRecord> Runs, List<ExpectedRun> Missing) Group(
            string key, string experiment, IReadOnlyDictionary<string, string> config) =>
            groups.TryGetValue(key, out var g) ? g : groups[key] = (experiment, WithoutSeed(config), [], []);
        foreach (var run in all) Group(run.GroupKey, run.Experiment, run.Config).Runs.Add(run);
        var unplaced = new List<ExpectedRun>();
        foreach (var m in missing)
        {
            if (m.CanonicalConfig is null) { unplaced.Add(m); continue; }
            var config = ConfigKeys.Parse(m.CanonicalConfig, $"expected run {m.Experiment}/{m.RunId}");
            Group(ConfigKeys.GroupKey(config), m.Experiment, ConfigKeys.Flatten(config)).Missing.Add(m);
        }

        var keys = ConfigKeys.Order(groups.Values.SelectMany(g => g.Config.Keys).Where(k => k != ConfigKeys.Experiment)).ToList();
        var varying = keys.Where(k => groups.Values.Select(g => g.Config.GetValueOrDefault(k)).Distinct().Count() > 1).ToList();
        var experiments = groups.Values.Select(g => g.Experiment).Distinct().Count();
        var shortNames = varying.ToDictionary(k => k, k => varying.Count(o => Last(o) == Last(k)) > 1 ? k : Last(k));

        var rows = groups.Select(kv =>
        {
            var (experiment, config, groupRuns, groupMissing) = kv.Value;
            var parts = varying.Select(k => $"{shortNames[k]}={(config.TryGetValue(k, out var v) ? (v.Length == 0 ? "null" : v) : "∅")}").ToList();
            if (experiments > 1 || parts.Count == 0) parts.Insert(0, experiment);
            groupRuns.Sort((a, b) =>
                (a.Seed ?? int.MinValue).CompareTo(b.Seed ?? int.MinValue) is var c && c != 0 ? c : string.CompareOrdinal(a.RunId, b.RunId));
            var done = groupRuns.Where(r => r.Status == RunStatus.Finished).ToList();
            MeanStd? Stat(Func<RunSummary, double?> of) => MeanStd.Of(done.Select(r => of(r.Summary!)).Where(v => v is not null).Select(v => v!.Value));
            var curve = done.SelectMany(r => r.Epochs).Where(p => p.TestAccuracy is not null).GroupBy(p => p.Epoch).OrderBy(g => g.Key)
                .Select(g => (g.Key, MeanStd.Of(g.Select(p => p.TestAccuracy!.Value))!.Value)).ToList();
            return new ReportRow(experiment, kv.Key, string.Join(' ', parts), config, groupRuns, groupMissing,
                Stat(s => s.FinalTestAccuracy), Stat(s => s.BestTestAccuracy), Stat(s => s.TrainTestGap), Stat(s => s.FinalTrainLoss),
                Stat(s => s.PeakStepBytes), Stat(s => s.TotalSeconds), Stat(s => s.Costs.Macs), Stat(s => s.Costs.AccessBytes),
                Stat(s => s.Costs.ModelledPeakStepBytes), curve);
        }).ToList();
        rows.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Experiment, b.Experiment);
            for (var i = 0; c == 0 && i < varying.Count; i++)
                c = ConfigKeys.CompareValues(a.Config.GetValueOrDefault(varying[i]), b.Config.GetValueOrDefault(varying[i]));
            return c != 0 ? c : string.CompareOrdinal(a.GroupKey, b.GroupKey);
        });
        return new ReportTable(rows, varying, keys, unplaced, missing.Count, expected is not null);
    }

    /// <summary>The text table's header: experiment, the varying keys, then the statistics and counts.</summary>
    public IReadOnlyList<string> Columns =>
    [
        "experiment", .. VaryingKeys, "n", "test acc %", "best acc %", "gap pp", "train loss", "peak MiB", "MACs", "access MiB", "model peak MiB",
        "failed", "incomplete", .. ExpectedGiven ? new[] { "missing" } : [],
    ];

    /// <summary>How many leading columns are text (left-aligned); the rest are numbers.</summary>
    public int TextColumns => 1 + VaryingKeys.Count;

    /// <summary>The text table's cells, row by row (accuracies in %, the gap in percentage points, sizes in MiB; "—" for no std).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cells() => Rows.Select(r => (IReadOnlyList<string>)
    [
        r.Experiment, .. VaryingKeys.Select(k => r.Config.GetValueOrDefault(k) ?? "∅"),
        r.Finished.ToString(CultureInfo.InvariantCulture),
        Format(r.FinalTestAccuracy, 100, "F2"), Format(r.BestTestAccuracy, 100, "F2"), Format(r.TrainTestGap, 100, "F2"),
        Format(r.FinalTrainLoss, 1, "F4"), Format(r.PeakStepBytes, 1.0 / Mib, "F2"),
        Si(r.Macs?.Mean), Format(r.AccessBytes, 1.0 / Mib, "F1", spread: false), Format(r.ModelledPeakStepBytes, 1.0 / Mib, "F2", spread: false),
        r.Failed.ToString(CultureInfo.InvariantCulture), r.Incomplete.ToString(CultureInfo.InvariantCulture),
        .. ExpectedGiven ? new[] { r.Missing.ToString(CultureInfo.InvariantCulture) } : [],
    ]).ToList();

    /// <summary>One line per count: runs finished, failed, incomplete, missing (and the missing runs of unknown config).</summary>
    public IReadOnlyList<string> Totals()
    {
        var runs = Runs.ToList();
        var line = $"{Rows.Count} configuration(s), {runs.Count} run(s): {runs.Count(r => r.Status == RunStatus.Finished)} finished, "
            + $"{runs.Count(r => r.Status == RunStatus.Failed)} failed, {runs.Count(r => r.Status == RunStatus.Incomplete)} incomplete"
            + (ExpectedGiven ? $", {Missing} missing" : "");
        return [line, .. UnplacedMissing.Select(m => $"missing (config unknown): {m.Experiment}/{m.RunId}")];
    }

    /// <summary>The aligned text table followed by the totals (what `snn report` prints).</summary>
    public string ToText()
    {
        var header = Columns;
        var cells = Cells();
        var widths = header.Select((h, c) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[c].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> row)
        {
            var parts = row.Select((v, c) => c < TextColumns ? v.PadRight(widths[c]) : v.PadLeft(widths[c]));
            text.Append(string.Join("  ", parts).TrimEnd()).Append('\n');
        }
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToList());
        foreach (var row in cells) Line(row);
        foreach (var line in Totals()) text.Append(line).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// report.csv: experiment, every config key, label, seeds, n (finished), failed, incomplete, missing, then metric_mean and
    /// metric_std per metric.
    /// </summary>
    public string Csv()
    {
        var csv = new StringBuilder();
        Row(csv, ["experiment", .. ConfigKeysInOrder, "label", "seeds", "n", "failed", "incomplete", "missing",
            .. Metrics.SelectMany(m => new[] { m.Name + "_mean", m.Name + "_std" })]);
        foreach (var r in Rows)
            Row(csv, [r.Experiment, .. ConfigKeysInOrder.Select(k => r.Config.GetValueOrDefault(k) ?? ""), r.Label,
                string.Join(';', r.Seeds.Select(s => s.ToString(CultureInfo.InvariantCulture))),
                Int(r.Finished), Int(r.Failed), Int(r.Incomplete), Int(r.Missing),
                .. Metrics.SelectMany(m => m.OfRow(r) is { } s ? new[] { Number(s.Mean), Number(s.Std) } : ["", ""])]);
        return csv.ToString();
    }

    /// <summary>runs.csv: one row per run (the missing ones too): status, experiment, run id, seed, every config key, the summary's numbers
    /// (epochs_done: the epochs it ran; clean_train_*: empty unless evalTrain),
    /// the failure message and the folder relative to <paramref name="root"/>.</summary>
    public string RunsCsv(string? root = null)
    {
        var csv = new StringBuilder();
        Row(csv, ["status", "experiment", "run_id", "seed", .. ConfigKeysInOrder, "epochs_done", "final_train_loss", "final_train_accuracy", "final_test_loss",
            "final_test_accuracy", "best_test_accuracy", "best_epoch", "train_test_gap", "clean_train_accuracy", "clean_train_test_gap",
            "total_seconds", "optimizer_steps", "peak_step_bytes",
            "macs", "acs", "access_bytes", "modelled_peak_step_bytes", "retained_activation_bytes", "persistent_bytes", "energy_pj",
            "cpu", "kernels", "plan_sha256", "failure", "path"]);
        foreach (var r in Runs)
        {
            var s = r.Summary;
            var path = root is null ? r.Directory : Path.GetRelativePath(Path.GetFullPath(root), r.Directory);
            Row(csv, [ResultsScan.Describe(r.Status), r.Experiment, r.RunId, r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "",
                .. ConfigKeysInOrder.Select(k => r.Config.GetValueOrDefault(k) ?? ""),
                s is null ? "" : Int(s.Epochs), Number(s?.FinalTrainLoss), Number(s?.FinalTrainAccuracy), Number(s?.FinalTestLoss),
                Number(s?.FinalTestAccuracy), Number(s?.BestTestAccuracy), s?.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "", Number(s?.TrainTestGap),
                Number(s?.CleanTrainAccuracy), Number(s?.CleanTrainTestGap),
                Number(s?.TotalSeconds), s is null ? "" : s.OptimizerSteps.ToString(CultureInfo.InvariantCulture),
                s?.PeakStepBytes?.ToString(CultureInfo.InvariantCulture) ?? "",
                Number(s?.Costs.Macs), Number(s?.Costs.Acs), Number(s?.Costs.AccessBytes), Number(s?.Costs.ModelledPeakStepBytes),
                Number(s?.Costs.RetainedActivationBytes), Number(s?.Costs.PersistentBytes), Number(s?.Costs.EnergyPicojoules),
                r.Cpu, r.Kernels, r.PlanSha256, r.Failure ?? "", path.Replace(Path.DirectorySeparatorChar, '/')]);
        }
        var noSummary = Enumerable.Repeat("", 25).ToArray();
        foreach (var m in Rows.SelectMany(r => r.MissingRuns).Concat(UnplacedMissing))
        {
            var config = m.CanonicalConfig is null ? null : ConfigKeys.Parse(m.CanonicalConfig, $"expected run {m.Experiment}/{m.RunId}");
            var flat = config is null ? new SortedDictionary<string, string>() : ConfigKeys.Flatten(config);
            Row(csv, ["missing", m.Experiment, m.RunId, config is null ? "" : ConfigKeys.SeedOf(config)?.ToString(CultureInfo.InvariantCulture) ?? "",
                .. ConfigKeysInOrder.Select(k => flat.GetValueOrDefault(k) ?? ""), .. noSummary]);
        }
        return csv.ToString();
    }

    /// <summary>
    /// Refuses an output folder that is, or lies inside, a run folder (one of <paramref name="runs"/> or any folder
    /// holding config.json): a report is derived and never written among a run's files. Throws <see cref="ArgumentException"/>.
    /// </summary>
    public static void CheckOutputFolder(string folder, IEnumerable<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (File.Exists(Path.Combine(full, ExperimentRunner.ConfigFile)))
            throw new ArgumentException($"{folder} is a run folder (it holds {ExperimentRunner.ConfigFile}); a report is never written inside a run. "
                + "Choose another output folder.", nameof(folder));
        foreach (var run in runs)
            if (full == run.Directory || full.StartsWith(run.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArgumentException($"{folder} lies inside the run folder {run.Directory}; a report is never written inside a run. "
                    + "Choose another output folder.", nameof(folder));
    }

    /// <summary>
    /// Writes report.csv and runs.csv into <paramref name="folder"/> (made if needed, after <see cref="CheckOutputFolder"/>);
    /// returns their paths.
    /// </summary>
    public IReadOnlyList<string> WriteCsv(string folder, string? root = null)
    {
        CheckOutputFolder(folder, Runs);
        Directory.CreateDirectory(folder);
        var report = Path.Combine(folder, ReportCsvFile);
        var runs = Path.Combine(folder, RunsCsvFile);
        AtomicFile.Write(report, Csv(), flushToDisk: false);
        AtomicFile.Write(runs, RunsCsv(root), flushToDisk: false);
        return [report, runs];
    }

    private const double Mib = 1024.0 * 1024.0;

    private static string Format(MeanStd? s, double scale, string format, bool spread = true)
    {
        if (s is not { } v) return "—";
        var mean = (v.Mean * scale).ToString(format, CultureInfo.InvariantCulture);
        if (!spread && (v.Std ?? 0) == 0) return mean;
        return $"{mean} ± {(v.Std is { } sd ? (sd * scale).ToString(format, CultureInfo.InvariantCulture) : "—")}";
    }

    // 1234567 → "1.23M": costs span orders of magnitude across plans.
    private static string Si(double? value)
    {
        if (value is not { } v) return "—";
        string[] units = ["", "k", "M", "G", "T", "P"];
        var u = 0;
        while (Math.Abs(v) >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return v.ToString(Math.Abs(v) >= 100 ? "F0" : Math.Abs(v) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) + units[u];
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static void Row(StringBuilder csv, IEnumerable<string> cells)
    {
        csv.AppendJoin(',', cells.Select(Quote)).Append('\n');
    }

    // RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled (e.g. plan.blocks = [2,4]).
    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    private static string Last(string key) => key[(key.LastIndexOf('.') + 1)..];

    private static Dictionary<string, string> WithoutSeed(IReadOnlyDictionary<string, string> config) =>
        config.Where(kv => kv.Key != ConfigKeys.Seed).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
