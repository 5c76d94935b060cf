using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snn.Experiments;

/// <summary>Typed reads from one JSON object of a config; every error names the key path and what is allowed.</summary>
internal sealed class ConfigReader(JsonObject node, string prefix)
{
    public static string PathOf(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    public string PathOf(string key) => PathOf(prefix, key);

    /// <summary>Rejects keys outside <paramref name="allowed"/>, naming the allowed ones.</summary>
    public static void CheckKeys(JsonObject node, string prefix, IReadOnlyCollection<string> allowed)
    {
        foreach (var (key, _) in node)
            if (!allowed.Contains(key))
                throw new ExperimentConfigException(PathOf(prefix, key),
                    $"unknown key; allowed here: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
    }

    public bool Has(string key) => node[key] is not null;

    public JsonObject? Object(string key) => node[key] switch
    {
        null => null,
        JsonObject o => o,
        var other => throw new ExperimentConfigException(PathOf(key), $"expected an object {{ … }}; got {Describe(other)}."),
    };

    public int? Int(string key, int min, int max = int.MaxValue, string? hint = null)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) && i >= min && i <= max) return i;
        if (value is JsonValue d && d.GetValueKind() == JsonValueKind.Number && d.TryGetValue<double>(out var x) && x == Math.Floor(x) && x >= min && x <= max)
            return (int)x;
        var range = max == int.MaxValue ? $"an integer ≥ {min}" : $"an integer in {min} … {max}";
        throw new ExperimentConfigException(PathOf(key), $"expected {range}{hint}; got {Describe(value)}.");
    }

    public double? PositiveDouble(string key)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var x) && x > 0 && double.IsFinite(x)) return x;
        throw new ExperimentConfigException(PathOf(key), $"expected a finite number > 0 (e.g. 1e-3); got {Describe(value)}.");
    }

    /// <summary>A finite number in [min, max] (or [min, max) without <paramref name="maxInclusive"/>).</summary>
    public double? Double(string key, double min, double max, bool maxInclusive = true, string? hint = null)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var x) && double.IsFinite(x) && x >= min
            && (maxInclusive ? x <= max : x < max)) return x;
        var range = double.IsPositiveInfinity(max) ? $"a finite number ≥ {min}" : $"a number in [{min}, {max}{(maxInclusive ? "]" : ")")}";
        throw new ExperimentConfigException(PathOf(key), $"expected {range}{hint}; got {Describe(value)}.");
    }

    public bool? Bool(string key)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw new ExperimentConfigException(PathOf(key), $"expected true or false; got {Describe(value)}.");
    }

    public string? String(string key)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        throw new ExperimentConfigException(PathOf(key), $"expected a string; got {Describe(value)}.");
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned as written in the list.</summary>
    public string? Choice(string key, IReadOnlyList<string> allowed)
    {
        var text = String(key);
        if (text is null) return null;
        return allowed.FirstOrDefault(a => a.Equals(text, StringComparison.OrdinalIgnoreCase))
            ?? throw new ExperimentConfigException(PathOf(key), $"'{text}' is not allowed; expected one of: {string.Join(", ", allowed)}.");
    }

    public IReadOnlyList<int>? IntArray(string key, string expected)
    {
        var value = node[key];
        if (value is null) return null;
        if (value is JsonArray a)
        {
            var result = new List<int>();
            foreach (var item in a)
            {
                if (item is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i)) result.Add(i);
                else throw new ExperimentConfigException(PathOf(key), $"expected {expected}; got the element {Describe(item)}.");
            }
            return result;
        }
        throw new ExperimentConfigException(PathOf(key), $"expected {expected}; got {Describe(value)}.");
    }

    public static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"\"{v.GetValue<string>()}\"",
        _ => value.ToJsonString(),
    };
}
