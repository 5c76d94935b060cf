using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Snn.Experiments;
using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// A committed study (docs/studies.md): the runs.csv that `snn report --out FOLDER` writes, read back into
/// <see cref="StudyRun"/>s, and the folder's provenance.json. Only finished runs become study runs. Each row's config
/// columns (those between seed and epochs_done) are parsed as an <see cref="ExperimentConfig"/>, so the setting, the
/// block size and whether the data are events are decided exactly as for a run made here (<see cref="StudyRun.From"/>).
/// </summary>
public sealed class StudyResults
{
    private StudyResults(string source, IReadOnlyList<StudyRun> runs, IReadOnlyList<string> experiments, IReadOnlyDictionary<string, int> statuses,
        IReadOnlyList<string> warnings, StudyProvenance? provenance) =>
        (Source, Runs, Experiments, Statuses, Warnings, Provenance) = (source, runs, experiments, statuses, warnings, provenance);

    /// <summary>The runs.csv read (or "(text)").</summary>
    public string Source { get; }

    /// <summary>The finished runs, in file order.</summary>
    public IReadOnlyList<StudyRun> Runs { get; }

    /// <summary>The experiments named in the file, in order of appearance.</summary>
    public IReadOnlyList<string> Experiments { get; }

    /// <summary>Rows per status (finished, failed, incomplete, missing).</summary>
    public IReadOnlyDictionary<string, int> Statuses { get; }

    /// <summary>Rows left out or doubtful, one line each (a config that no longer gives its run id, a duplicate run, explicit block boundaries).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>provenance.json of the folder; null when there is none.</summary>
    public StudyProvenance? Provenance { get; }

    /// <summary>The runs aggregated per (setting, K, B).</summary>
    public DesignSpace Space => DesignSpace.Of(Runs);

    /// <summary>C1–C4 on these runs (<see cref="PaperFindings.Evaluate"/>).</summary>
    public IReadOnlyList<Finding> Findings(double alpha = 0.05) => PaperFindings.Evaluate(Runs, alpha);

    /// <summary>"72 rows: 72 finished" and the like.</summary>
    public string Describe() =>
        $"{Statuses.Values.Sum()} rows: " + string.Join(", ", Statuses.Select(kv => $"{kv.Value} {kv.Key}")) + $" ({Runs.Count} study runs)";

    /// <summary>
    /// Reads FOLDER/runs.csv and, when present, FOLDER/provenance.json. Throws <see cref="FileNotFoundException"/> when
    /// runs.csv is absent and <see cref="InvalidDataException"/> naming the file when either cannot be read.
    /// </summary>
    public static StudyResults Load(string folder)
    {
        var runs = Path.Combine(folder, ReportTable.RunsCsvFile);
        if (!File.Exists(runs))
            throw new FileNotFoundException($"{runs} not found: expected the runs.csv of a study (snn report RESULTS --experiment NAME --out {folder}).", runs);
        var provenance = Path.Combine(folder, StudyProvenance.FileName);
        return Parse(File.ReadAllText(runs), runs, File.Exists(provenance) ? StudyProvenance.Load(provenance) : null);
    }

    /// <summary>As <see cref="Load"/>, but null when the folder holds no runs.csv.</summary>
    public static StudyResults? TryLoad(string folder) =>
        File.Exists(Path.Combine(folder, ReportTable.RunsCsvFile)) ? Load(folder) : null;

    /// <summary>Reads the text of a runs.csv; <paramref name="source"/> names it in errors.</summary>
    public static StudyResults Parse(string runsCsv, string source = "(text)", StudyProvenance? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(runsCsv);
        var records = CsvText.Parse(runsCsv, source);
        if (records.Count == 0) throw new InvalidDataException($"{source}: empty; expected the runs.csv of `snn report` (a header, then one row per run).");
        var header = records[0];
        int Column(string name) => Array.IndexOf(header, name) is var i && i >= 0 ? i
            : throw new InvalidDataException($"{source}: no column '{name}' in the header; expected the runs.csv layout of `snn report` "
                + "(status, experiment, run_id, seed, the config keys, epochs_done, …).");
        var (status, experiment, runId, seed, epochsDone) = (Column("status"), Column("experiment"), Column("run_id"), Column("seed"), Column("epochs_done"));
        if (epochsDone <= seed)
            throw new InvalidDataException($"{source}: the config columns must lie between 'seed' and 'epochs_done'; epochs_done comes first.");
        var configColumns = Enumerable.Range(seed + 1, epochsDone - seed - 1).ToList();

        var runs = new List<StudyRun>();
        var experiments = new List<string>();
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var warnings = new List<string>();
        var seenIds = new HashSet<(string, string)>();
        var seenPlans = new HashSet<(string, int, int?, int)>();
        for (var r = 1; r < records.Count; r++)
        {
            var row = records[r];
            var at = $"{source}, row {r}";
            if (row.Length != header.Length)
                throw new InvalidDataException($"{at}: {row.Length} cells but the header has {header.Length}.");
            statuses[row[status]] = statuses.GetValueOrDefault(row[status]) + 1;
            if (!experiments.Contains(row[experiment])) experiments.Add(row[experiment]);
            if (row[status] != ResultsScan.Describe(RunStatus.Finished)) continue;
            at = $"{source}, run {row[experiment]}/{row[runId]}";
            if (!seenIds.Add((row[experiment], row[runId]))) { warnings.Add($"{at}: listed twice; kept the first row."); continue; }

            var json = new JsonObject { ["experiment"] = row[experiment], ["seed"] = Cell(row[seed]) };
            foreach (var c in configColumns)
                if (row[c].Length > 0) Set(json, header[c], Cell(row[c]));
            ExperimentConfig config;
            try { config = ExperimentConfig.Parse(json.ToJsonString()); }
            catch (ExperimentConfigException e) { throw new InvalidDataException($"{at}: its config columns are not a valid config: {e.Message}"); }
            if (config.RunId != row[runId])
                warnings.Add($"{at}: its config columns give run id {config.RunId}; the config format may have changed since the study ran.");
            if (config.BlockBoundaries is not null) { warnings.Add($"{at}: explicit block boundaries are not a block size B; left out."); continue; }

            double? Number(string name, bool required = false)
            {
                var cell = row[Column(name)];
                if (cell.Length == 0)
                    return required ? throw new InvalidDataException($"{at}: a finished run needs a number in column '{name}'; the cell is empty.") : null;
                return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : throw new InvalidDataException($"{at}: '{cell}' in column '{name}' is not a number.");
            }
            // Columns added later (absent from older runs.csv files): empty when missing.
            double? Optional(string name) => Array.IndexOf(header, name) >= 0 ? Number(name) : null;
            var peak = Number("peak_step_bytes");
            var summary = new RunSummary(config.Experiment, row[runId], (int)(Number("epochs_done") ?? 0),
                Number("final_train_loss") ?? double.NaN, Number("final_train_accuracy", required: true)!.Value, Number("final_test_loss"),
                Number("final_test_accuracy", required: true), Number("best_test_accuracy"), (int?)Number("best_epoch"), Number("train_test_gap"),
                Number("total_seconds") ?? double.NaN, (long)(Number("optimizer_steps") ?? 0), peak is { } p ? (long)p : null,
                new RunCosts(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN),
                CleanTrainAccuracy: Optional("clean_train_accuracy"), CleanTrainTestGap: Optional("clean_train_test_gap"));
            var run = StudyRun.From(config, summary) with
            {
                Macs = Number("macs"),
                AccessBytes = Number("access_bytes"),
                ModelledPeakStepBytes = Number("modelled_peak_step_bytes"),
            };
            if (!seenPlans.Add((run.Setting, run.Truncation, run.BlockSize, run.Seed)))
            {
                warnings.Add($"{at}: a second run of {run.Dataset} {run.PlanLabel} seed {run.Seed} in the same setting; kept the first.");
                continue;
            }
            runs.Add(run);
        }
        return new StudyResults(source, runs, experiments, statuses, warnings, provenance);
    }

    // A cell back to its JSON value: numbers, booleans and arrays as JSON, anything else (names, "all") as a string.
    private static JsonNode? Cell(string cell)
    {
        if (cell.Length == 0) return null;
        try
        {
            var node = JsonNode.Parse(cell);
            if (node is JsonArray || (node is JsonValue v && v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                return node;
        }
        catch (JsonException) { }
        return JsonValue.Create(cell);
    }

    private static void Set(JsonObject root, string dotted, JsonNode? value)
    {
        var parts = dotted.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child) node[part] = child = [];
            node = child;
        }
        node[parts[^1]] = value;
    }
}
