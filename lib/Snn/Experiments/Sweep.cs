using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snn.Experiments;

/// <summary>
/// A grid of experiment runs (docs/experiments.md, "Sweeps"): a base config plus a "grid" object whose keys are
/// dotted config paths ("plan.K", "seed", "dataset") and whose values are arrays. Every combination (the first grid
/// key varies slowest) is the base with each path set to its value, then parsed as an <see cref="ExperimentConfig"/>
/// (the active profile's overrides still apply on top). Combinations that resolve to the same run id are one run.
/// Shard i of n takes the runs whose position in <see cref="Runs"/> is ≡ i (mod n), so shards never share a run.
/// The grid key "arm" takes bundles: each value is an object { "name": label, "dotted.key": value, … } that sets its
/// keys together and the config's "arm" label (a study's arms are not a product of keys: a matched-update control
/// changes the batch, a windowed-loss control the plan). A plain string value only sets the label.
/// </summary>
public sealed class Sweep
{
    public const string GridKey = "grid";

    /// <summary>The path to the sweep file, or "(sweep)".</summary>
    public string Source { get; }

    /// <summary>The grid's keys in file order, with their values.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<JsonNode?>>> Grid { get; }

    /// <summary>The distinct runs in grid order.</summary>
    public IReadOnlyList<SweepRun> Runs { get; }

    /// <summary>How many grid combinations resolved to a run another combination already gave.</summary>
    public int Duplicates { get; }

    private Sweep(string source, IReadOnlyList<KeyValuePair<string, IReadOnlyList<JsonNode?>>> grid, IReadOnlyList<SweepRun> runs, int duplicates) =>
        (Source, Grid, Runs, Duplicates) = (source, grid, runs, duplicates);

    /// <summary>Reads a sweep file; a missing "experiment" defaults to the file name without extension.</summary>
    public static Sweep Load(string path, Profile? profile = null)
    {
        if (!File.Exists(path)) throw new ExperimentConfigException(path, "sweep file not found.");
        return Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path), profile, path);
    }

    /// <summary>
    /// Expands and validates every run (all rejected before any is run, naming the grid entry and key). A file without
    /// "grid" is a sweep of one run.
    /// </summary>
    public static Sweep Parse(string json, string? defaultExperiment = null, Profile? profile = null, string source = "(sweep)")
    {
        JsonObject root;
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            root = JsonNode.Parse(json, documentOptions: options) as JsonObject
                ?? throw new ExperimentConfigException("(config)", "expected a JSON object { … } at the top.");
        }
        catch (JsonException e) { throw new ExperimentConfigException("(config)", $"not valid JSON: {e.Message}"); }
        catch (ArgumentException e) { throw new ExperimentConfigException("(config)", $"not valid JSON: {e.Message}"); }

        var grid = new List<KeyValuePair<string, IReadOnlyList<JsonNode?>>>();
        if (root[GridKey] is { } gridNode)
        {
            if (gridNode is not JsonObject g)
                throw new ExperimentConfigException(GridKey, $"expected an object of \"dotted.key\": [values…]; got {ConfigReader.Describe(gridNode)}.");
            foreach (var (key, values) in g)
            {
                var path = $"{GridKey}.{key}";
                if (key.Split('.').Any(p => p.Length == 0))
                    throw new ExperimentConfigException(path, "expected a dotted config key such as plan.K or seed.");
                if (key.Split('.')[0] is GridKey or "profile" or "profiles" or "experiment")
                    throw new ExperimentConfigException(path, "a sweep cannot vary grid, profile, profiles or experiment (one sweep is one experiment).");
                if (values is not JsonArray { Count: > 0 } array)
                    throw new ExperimentConfigException(path, $"expected a non-empty array of values; got {ConfigReader.Describe(values)}.");
                grid.Add(new(key, array.Select(v => v?.DeepClone()).ToList()));
            }
            root.Remove(GridKey);
        }

        var runs = new List<SweepRun>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        foreach (var combination in Combinations(grid))
        {
            var expanded = (JsonObject)root.DeepClone();
            var settings = new List<KeyValuePair<string, JsonNode?>>();
            for (var i = 0; i < grid.Count; i++)
            {
                var value = grid[i].Value[combination[i]];
                if (grid[i].Key == ArmKey && value is JsonObject bundle) SetArm(expanded, bundle, combination[i]);
                else Set(expanded, grid[i].Key, value?.DeepClone());
                settings.Add(new(grid[i].Key, value));
            }
            ExperimentConfig config;
            try { config = ExperimentConfig.Parse(expanded.ToJsonString(), defaultExperiment, profile); }
            catch (ExperimentConfigException e) when (grid.Count > 0)
            {
                var at = string.Join(", ", settings.Select(s => $"{s.Key} = {s.Value?.ToJsonString() ?? "null"}"));
                throw new ExperimentConfigException(e.Key, $"{e.Message[(e.Key.Length + 2)..]} (in the grid combination {at})");
            }
            if (!seen.Add(config.RunId)) { duplicates++; continue; }
            runs.Add(new SweepRun(runs.Count, config, settings));
        }
        return new Sweep(source, grid, runs, duplicates);
    }

    /// <summary>The runs of shard <paramref name="index"/> of <paramref name="count"/> (0 ≤ index &lt; count).</summary>
    public IReadOnlyList<SweepRun> Shard(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), index, $"a shard index must be in 0 … {count - 1}.");
        return Runs.Where(r => r.Index % count == index).ToList();
    }

    // Odometer over the grid: the last key varies fastest.
    private static IEnumerable<int[]> Combinations(List<KeyValuePair<string, IReadOnlyList<JsonNode?>>> grid)
    {
        var digits = new int[grid.Count];
        while (true)
        {
            yield return (int[])digits.Clone();
            var i = grid.Count - 1;
            for (; i >= 0; i--)
            {
                if (++digits[i] < grid[i].Value.Count) break;
                digits[i] = 0;
            }
            if (i < 0) yield break;
        }
    }

    public const string ArmKey = "arm";

    // An arm bundle: its dotted keys, then its name as the config's "arm" label.
    private static void SetArm(JsonObject root, JsonObject bundle, int index)
    {
        var path = $"{GridKey}.{ArmKey}[{index}]";
        if (bundle["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
            throw new ExperimentConfigException($"{path}.name", "required: the arm's label, a string such as \"bptt-matched-k2\".");
        foreach (var (key, value) in bundle)
        {
            if (key == "name") continue;
            if (key.Split('.').Any(p => p.Length == 0) || key.Split('.')[0] is GridKey or "profile" or "profiles" or "experiment" or ArmKey)
                throw new ExperimentConfigException($"{path}.{key}",
                    "expected a dotted config key such as plan.K or batch (not grid, profile(s), experiment or arm).");
            Set(root, key, value?.DeepClone());
        }
        root[ArmKey] = name.GetValue<string>();
    }

    // Sets a dotted path, creating the objects on the way (ExperimentConfig.Parse then rejects unknown keys).
    private static void Set(JsonObject root, string dotted, JsonNode? value)
    {
        var parts = dotted.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                if (node[parts[i]] is not null)
                    throw new ExperimentConfigException($"{GridKey}.{dotted}",
                        $"{string.Join('.', parts[..(i + 1)])} is not an object in the base config, so {dotted} cannot be set.");
                child = [];
                node[parts[i]] = child;
            }
            node = child;
        }
        node[parts[^1]] = value;
    }
}
