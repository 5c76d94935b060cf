namespace Snn.Data;

/// <summary>Where datasets are looked for: explicit folder; $ENV; $SNN_DATA/name; data/name in the current folder or a parent.</summary>
public static class DataPaths
{
    public static IEnumerable<string> Candidates(string? folder, string envVariable, string name)
    {
        if (folder is not null) { yield return Path.GetFullPath(folder); yield break; }
        if (Environment.GetEnvironmentVariable(envVariable) is { Length: > 0 } exact) yield return exact;
        if (Environment.GetEnvironmentVariable("SNN_DATA") is { Length: > 0 } root) yield return Path.Combine(root, name);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "data", name);
    }

    /// <summary>The data/ folder of the repository (nearest parent holding data-scripts/), or $SNN_DATA.</summary>
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable("SNN_DATA") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "data-scripts"))) return Path.Combine(dir.FullName, "data");
        return Path.GetFullPath("data");
    }
}
