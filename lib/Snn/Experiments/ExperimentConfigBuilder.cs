using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snn.Experiments;

/// <summary>
/// An experiment config from settings by key path ("plan.K" → 2), as the flag form of `snn train` gives them: the JSON
/// of the equivalent config file, parsed by <see cref="ExperimentConfig.Parse"/>. Keys left out get the config's
/// defaults, and the result (canonical form, run id) is the one the file would give.
/// </summary>
public static class ExperimentConfigBuilder
{
    // The keys that take an integer or a word ("T", "all"): a setting given as text that reads as an integer is the integer.
    private static readonly string[] IntegerOrWord = ["plan.K", "plan.B"];

    /// <summary>
    /// The config file of <paramref name="settings"/> (string, int, double, bool or a list of ints per key path). Reads
    /// no files; bad values are left for <see cref="ExperimentConfig.Parse"/> to reject, naming the key.
    /// </summary>
    public static string Json(IEnumerable<KeyValuePair<string, object?>> settings)
    {
        var root = new JsonObject();
        foreach (var (path, value) in settings)
        {
            var keys = path.Split('.');
            var node = root;
            foreach (var key in keys[..^1])
                node = node[key] as JsonObject ?? (JsonObject)(node[key] = new JsonObject());
            node[keys[^1]] = Value(path, value);
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The config of <paramref name="settings"/>; throws <see cref="ExperimentConfigException"/> naming the key path.</summary>
    public static ExperimentConfig Build(IEnumerable<KeyValuePair<string, object?>> settings, Profile? profile = null) =>
        ExperimentConfig.Parse(Json(settings), profile: profile);

    private static JsonNode? Value(string path, object? value) => value switch
    {
        null => null,
        string s when IntegerOrWord.Contains(path) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => JsonValue.Create(i),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        IEnumerable<int> list => new JsonArray([.. list.Select(i => (JsonNode?)JsonValue.Create(i))]),
        _ => throw new ArgumentException($"{path}: a setting must be a string, number, bool or list of integers; got {value.GetType().Name}.", nameof(value)),
    };
}
