using System.Text.Json;

namespace Snn.Studies;

/// <summary>
/// Where a committed study's numbers come from (provenance.json next to its runs.csv, docs/studies.md): the commit
/// that ran it, the machine, the date, the command, and for emulated event data the emulation options (they are no
/// part of a run's config). Every value is a string; keys beyond the known ones are kept in <see cref="Other"/>.
/// </summary>
public sealed record StudyProvenance(
    string Commit, string Machine, string Date, string Command, string? Experiment = null, string? Emulation = null, string? Notes = null,
    IReadOnlyDictionary<string, string>? Other = null)
{
    public const string FileName = "provenance.json";

    private static readonly string[] Required = ["commit", "machine", "date", "command"];
    private static readonly string[] Optional = ["experiment", "emulation", "notes"];

    /// <summary>Reads <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the file and what was expected.</summary>
    public static StudyProvenance Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses a JSON object of strings: commit, machine, date, command (required), experiment, emulation, notes and any other key.</summary>
    public static StudyProvenance Parse(string json, string source = FileName)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}"); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object {{ \"commit\": …, \"machine\": …, \"date\": …, \"command\": … }}.");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in document.RootElement.EnumerateObject())
                values[p.Name] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                    _ => throw new InvalidDataException($"{source}: \"{p.Name}\" must be a string; got {p.Value.ValueKind.ToString().ToLowerInvariant()}."),
                };
            var missing = Required.Where(k => !values.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"{source}: missing {string.Join(", ", missing.Select(k => $"\"{k}\""))}; "
                    + $"expected the keys {string.Join(", ", Required)} (and optionally {string.Join(", ", Optional)}).");
            var other = values.Where(kv => !Required.Contains(kv.Key) && !Optional.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return new StudyProvenance(values["commit"], values["machine"], values["date"], values["command"],
                values.GetValueOrDefault("experiment"), values.GetValueOrDefault("emulation"), values.GetValueOrDefault("notes"), other);
        }
    }

    /// <summary>"name: value" lines in a fixed order (absent optional values left out), for display.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string>();
        void Add(string name, string? value) { if (value is not null) lines.Add($"{name}: {value}"); }
        Add("experiment", Experiment);
        Add("commit", Commit);
        Add("machine", Machine);
        Add("date", Date);
        Add("command", Command);
        Add("emulation", Emulation);
        Add("notes", Notes);
        foreach (var (k, v) in Other ?? new Dictionary<string, string>()) Add(k, v);
        return lines;
    }

    /// <summary>The JSON form <see cref="Parse"/> reads (indented, "\n" line ends).</summary>
    public string ToJson()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Other ?? new Dictionary<string, string>()) map[k] = v;
        map["commit"] = Commit; map["machine"] = Machine; map["date"] = Date; map["command"] = Command;
        if (Experiment is not null) map["experiment"] = Experiment;
        if (Emulation is not null) map["emulation"] = Emulation;
        if (Notes is not null) map["notes"] = Notes;
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return JsonSerializer.Serialize(map, options).Replace("\r\n", "\n") + "\n";
    }
}
