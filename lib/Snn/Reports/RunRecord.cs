using System.Globalization;
using System.Text.Json;
using Snn.Experiments;

namespace Snn.Reports;

/// <summary>
/// One run's folder as found on disk: its experiment and run id (the SHA-256 prefix of config.json, so a copied
/// folder keeps its identity), status, the config flattened to dotted keys, the group key (the config without the
/// seed: the seeds of one configuration share it), and for a finished run its summary and per-epoch points; from its
/// environment.jsonl (one line per session) the CPU model(s), kernel decisions and pre-registration hash(es), distinct
/// values joined by " + " (a run resumed on another CPU model shows both).
/// </summary>
public sealed record RunRecord(
    string Experiment, string RunId, string Directory, RunStatus Status, int? Seed, string GroupKey,
    IReadOnlyDictionary<string, string> Config, RunSummary? Summary, IReadOnlyList<EpochPoint> Epochs, string? Failure,
    string Cpu = "", string Kernels = "", string PlanSha256 = "")
{
    /// <summary>
    /// Reads the run in <paramref name="directory"/> (it holds config.json). Throws <see cref="InvalidDataException"/>
    /// naming the file when config.json or summary.json cannot be read; a bad epochs.csv only leaves the curve
    /// empty and is told to <paramref name="warn"/>.
    /// </summary>
    public static RunRecord Read(string directory, Action<string>? warn = null)
    {
        var configPath = Path.Combine(directory, ExperimentRunner.ConfigFile);
        var text = File.ReadAllText(configPath);
        var config = ConfigKeys.Parse(text, configPath);
        var experiment = config[ConfigKeys.Experiment] is { } e && e.GetValueKind() == JsonValueKind.String ? e.GetValue<string>()
            : throw new InvalidDataException($"{configPath}: no \"experiment\" name; not a run of an experiment config (snn train CONFIG.json).");

        RunSummary? summary;
        try { summary = ExperimentRunner.ReadSummary(directory); }
        catch (JsonException x) { throw new InvalidDataException($"{Path.Combine(directory, ExperimentRunner.SummaryFile)}: not a run summary: {x.Message}"); }
        var failurePath = Path.Combine(directory, ExperimentRunner.FailureFile);
        var status = summary is not null ? RunStatus.Finished : File.Exists(failurePath) ? RunStatus.Failed : RunStatus.Incomplete;
        var failure = status == RunStatus.Failed ? FailureMessage(failurePath) : null;

        IReadOnlyList<EpochPoint> epochs = [];
        var epochsPath = Path.Combine(directory, ExperimentRunner.EpochsCsv);
        if (File.Exists(epochsPath))
        {
            try { epochs = ReadEpochs(epochsPath); }
            catch (InvalidDataException x) { warn?.Invoke(x.Message); }
        }
        var flat = ConfigKeys.Flatten(config);
        var sessions = ReadEnvironment(Path.Combine(directory, ExperimentRunner.EnvironmentFile), warn);
        string Joined(string key) => string.Join(" + ", sessions.Select(s => s.GetValueOrDefault(key) ?? "").Where(v => v.Length > 0).Distinct());
        return new RunRecord(experiment, ConfigKeys.RunId(text), Path.GetFullPath(directory), status, ConfigKeys.SeedOf(config),
            ConfigKeys.GroupKey(config), flat, summary, epochs, failure, Joined("cpuModel"), Joined("kernels"), Joined("planSha256"));
    }

    // The string fields of each session's line; a line that is not JSON is told to warn and skipped.
    private static List<Dictionary<string, string>> ReadEnvironment(string path, Action<string>? warn)
    {
        var sessions = new List<Dictionary<string, string>>();
        if (!File.Exists(path)) return sessions;
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                sessions.Add(json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(p => p.Name, p => p.Value.GetString()!));
            }
            catch (JsonException x) { warn?.Invoke($"{path}, line {number}: not JSON ({x.Message}); skipped."); }
        }
        return sessions;
    }

    /// <summary>epoch, train_loss and test_accuracy of an epochs.csv (<see cref="EpochTable"/>), found by their header names.</summary>
    public static IReadOnlyList<EpochPoint> ReadEpochs(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) return [];
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i && i >= 0 ? i
            : throw new InvalidDataException($"{path}: no column '{name}' in the header; expected the epochs.csv layout {EpochTable.Header},…");
        var (epoch, trainLoss, testAccuracy) = (Column("epoch"), Column("train_loss"), Column("test_accuracy"));
        var points = new List<EpochPoint>();
        for (var l = 1; l < lines.Length; l++)
        {
            if (lines[l].Length == 0) continue;
            var cells = lines[l].Split(',');
            double? Number(int c, bool optional)
            {
                var cell = c < cells.Length ? cells[c] : "";
                if (cell.Length == 0 && optional) return null;
                return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : throw new InvalidDataException($"{path}, line {l + 1}: '{cell}' in column '{header[c]}' is not a number.");
            }
            points.Add(new EpochPoint((int)Number(epoch, false)!.Value, Number(trainLoss, false)!.Value, Number(testAccuracy, true)));
        }
        return points;
    }

    private static string FailureMessage(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()!
                : json.RootElement.GetRawText();
        }
        catch (JsonException) { return File.ReadAllText(path).Trim(); }
    }
}
