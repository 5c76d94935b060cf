using System.Text.Json.Nodes;

namespace Snn.Experiments;

/// <summary>One run of a <see cref="Sweep"/>: its position (what shards split on), its config, and the grid values that made it.</summary>
public sealed record SweepRun(int Index, ExperimentConfig Config, IReadOnlyList<KeyValuePair<string, JsonNode?>> Settings)
{
    /// <summary>"plan.K = 2, seed = 1": the grid values of this run.</summary>
    public string Label => Settings.Count == 0 ? "(base config)" : string.Join(", ", Settings.Select(s => $"{s.Key} = {s.Value?.ToJsonString() ?? "null"}"));
}
