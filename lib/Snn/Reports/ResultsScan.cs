using Snn.Experiments;

namespace Snn.Reports;

/// <summary>
/// Every run under a results root: each folder holding config.json, at any depth, so result trees copied from
/// several machines or shards side by side merge by themselves. The same run (experiment and run id) found twice
/// counts once: a finished copy before a failed one before an incomplete one, then the first path (ordinal).
/// </summary>
public sealed class ResultsScan
{
    private ResultsScan(string root, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> warnings) => (Root, Runs, Warnings) = (root, runs, warnings);

    /// <summary>The scanned folder (full path).</summary>
    public string Root { get; }

    /// <summary>One record per distinct run, ordered by experiment, run id.</summary>
    public IReadOnlyList<RunRecord> Runs { get; }

    /// <summary>Folders skipped (unreadable config or summary, no experiment name), duplicates and unreadable epochs.csv files, one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Scans <paramref name="root"/>; throws <see cref="DirectoryNotFoundException"/> when it is not a folder.</summary>
    public static ResultsScan Of(string root)
    {
        if (!System.IO.Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: results folder not found.");
        var full = Path.GetFullPath(root);
        var warnings = new List<string>();
        var found = new List<RunRecord>();
        foreach (var dir in RunFolders(full))
        {
            try { found.Add(RunRecord.Read(dir, warnings.Add)); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                warnings.Add($"skipped {dir}: {e.Message}");
            }
        }
        var runs = new List<RunRecord>();
        foreach (var copies in found.GroupBy(r => (r.Experiment, r.RunId)))
        {
            var ordered = copies.OrderBy(r => r.Status).ThenBy(r => r.Directory, StringComparer.Ordinal).ToList();
            runs.Add(ordered[0]);
            foreach (var other in ordered.Skip(1))
                warnings.Add($"run {other.Experiment}/{other.RunId} found twice: kept {ordered[0].Directory} ({Describe(ordered[0].Status)}), "
                    + $"ignored {other.Directory} ({Describe(other.Status)}).");
        }
        runs.Sort((a, b) => string.CompareOrdinal(a.Experiment, b.Experiment) is var c && c != 0 ? c : string.CompareOrdinal(a.RunId, b.RunId));
        return new ResultsScan(full, runs, warnings);
    }

    /// <summary>"finished", "failed", "incomplete".</summary>
    public static string Describe(RunStatus status) => status.ToString().ToLowerInvariant();

    // Depth first in ordinal order; a run folder ends the descent (its tb/ holds no runs). Hidden folders are skipped;
    // linked folders are followed (a shard linked in), each real folder once.
    private static IEnumerable<string> RunFolders(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            var info = new DirectoryInfo(dir);
            if (!seen.Add(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName)) continue;
            if (File.Exists(Path.Combine(dir, ExperimentRunner.ConfigFile)))
            {
                yield return dir;
                continue;
            }
            var children = info.EnumerateDirectories("*", options).Select(d => d.FullName).ToList();
            children.Sort(StringComparer.Ordinal);
            for (var i = children.Count - 1; i >= 0; i--) pending.Push(children[i]);
        }
    }
}
