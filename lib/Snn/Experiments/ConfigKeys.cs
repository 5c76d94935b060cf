using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snn.Experiments;

/// <summary>
/// A run's config.json as the report groups it: dotted key paths ("plan.K"), the group key (the config without its
/// seed) and the run id (the SHA-256 prefix of the file, as <see cref="ExperimentConfig.RunId"/>).
/// </summary>
internal static class ConfigKeys
{
    public const string Seed = "seed";
    public const string Experiment = "experiment";

    // Report columns follow the config's reading order; keys of a later version of the config come after, ordinal.
    private static readonly string[] Preferred =
    [
        "dataset.name", "dataset.encoding", "dataset.trainSubset", "dataset.testSubset", "dataset.timeBins", "dataset.size", "network", "T",
        "plan.K", "plan.B", "plan.blocks", "plan.update", "plan.head", "plan.loss", "plan.lossWindow", "plan.method", "plan.sampledSteps",
        "plan.presynapticTrace", "optimizer.lr", "optimizer.cosine", "optimizer.name", "optimizer.momentum", "optimizer.weightDecay", "optimizer.nesterov",
        "epochs", "batch", "evalBatch", "device", "precision", "convolutionLayout", "synapseChunk", "evalTrain", "evalEvery", "arm",
    ];

    /// <summary>Parses a config; throws <see cref="InvalidDataException"/> naming <paramref name="file"/>.</summary>
    public static JsonObject Parse(string json, string file)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{file}: expected a JSON object {{ … }} (an experiment config).");
        }
        catch (JsonException e) { throw new InvalidDataException($"{file}: not valid JSON: {e.Message}"); }
    }

    /// <summary>The first 12 hex digits of SHA-256 of the text: the run id of a canonical config.</summary>
    public static string RunId(string canonicalJson) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)))[..12];

    /// <summary>Every leaf as dotted path → text: strings as they are, numbers and arrays as JSON, null as "".</summary>
    public static SortedDictionary<string, string> Flatten(JsonObject config)
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonObject node, string prefix)
        {
            foreach (var (key, value) in node)
            {
                var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                if (value is JsonObject child) Walk(child, path);
                else flat[path] = Text(value);
            }
        }
        Walk(config, "");
        return flat;
    }

    /// <summary>The config without its seed, keys sorted at every level, compact: equal for the seeds of one configuration.</summary>
    public static string GroupKey(JsonObject config)
    {
        var copy = (JsonObject)config.DeepClone();
        copy.Remove(Seed);
        return Sorted(copy)!.ToJsonString();
    }

    /// <summary>The seed of a config (null when it has none or it is not an integer).</summary>
    public static int? SeedOf(JsonObject config) =>
        config[Seed] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var seed) ? seed : null;

    /// <summary>Dotted paths in report order.</summary>
    public static IEnumerable<string> Order(IEnumerable<string> keys) =>
        keys.Distinct().OrderBy(k => Array.IndexOf(Preferred, k) is var i && i >= 0 ? i : Preferred.Length).ThenBy(k => k, StringComparer.Ordinal);

    /// <summary>Compares config values: numerically where both are numbers, else ordinal.</summary>
    public static int CompareValues(string? a, string? b)
    {
        if (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
            return x.CompareTo(y);
        return string.CompareOrdinal(a, b);
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
