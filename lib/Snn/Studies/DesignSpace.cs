namespace Snn.Studies;

/// <summary>
/// A K × B × seed study aggregated per setting (dataset, network, budget …) and plan: one <see cref="StudyCell"/>
/// per (setting, K, B), mean ± std over seeds. Settings come frame data first, then event data; within one, K
/// descending (BPTT first) and B from one block ("all") down.
/// </summary>
public sealed class DesignSpace
{
    private DesignSpace(IReadOnlyList<StudyCell> cells, IReadOnlyList<string> settings) => (Cells, Settings) = (cells, settings);

    public IReadOnlyList<StudyCell> Cells { get; }

    /// <summary>The setting keys (<see cref="StudyRun.Setting"/>) in display order.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>Aggregates <paramref name="runs"/>; a run of the same setting, plan and seed as an earlier one is an error.</summary>
    public static DesignSpace Of(IEnumerable<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var all = runs.ToList();
        if (all.GroupBy(r => (r.Setting, r.Truncation, r.BlockSize, r.Seed)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{twice.First().Dataset} {twice.First().PlanLabel} seed {twice.Key.Seed} appears {twice.Count()} times "
                + "in one setting; a seed counts once.", nameof(runs));
        var settings = all.GroupBy(r => r.Setting).Select(g => g.First()).OrderBy(r => r.EventData).ThenBy(r => r.Dataset, StringComparer.Ordinal)
            .ThenBy(r => r.Setting, StringComparer.Ordinal).Select(r => r.Setting).ToList();
        var cells = all.GroupBy(r => (r.Setting, r.Truncation, r.BlockSize)).Select(g => StudyCell.Of(g.ToList()))
            .OrderBy(c => settings.IndexOf(c.Setting)).ThenByDescending(c => c.Truncation)
            .ThenBy(c => c.BlockSize ?? int.MaxValue, Comparer<int>.Create((a, b) => b.CompareTo(a)))
            .ToList();
        return new DesignSpace(cells, settings);
    }

    /// <summary>The cells of one setting.</summary>
    public IReadOnlyList<StudyCell> Of(string setting) => Cells.Where(c => c.Setting == setting).ToList();

    /// <summary>The setting's dataset name; with several settings of one dataset, "dataset (2)" for the second and so on.</summary>
    public string Name(string setting)
    {
        var dataset = Of(setting).FirstOrDefault()?.Dataset ?? throw new ArgumentException($"No setting '{setting}' in this study.", nameof(setting));
        var same = Settings.Where(s => Of(s)[0].Dataset == dataset).ToList();
        return same.Count == 1 ? dataset : $"{dataset} ({same.IndexOf(setting) + 1})";
    }

    /// <summary>The setting whose <see cref="Name"/> is <paramref name="name"/> (e.g. "fashion-mnist"), or null.</summary>
    public string? Find(string name) => Settings.FirstOrDefault(s => Name(s) == name);

    /// <summary>The truncation lengths of a setting, descending.</summary>
    public IReadOnlyList<int> Truncations(string setting) => Of(setting).Select(c => c.Truncation).Distinct().OrderDescending().ToList();

    /// <summary>The block sizes of a setting: one block (null) first, then descending.</summary>
    public IReadOnlyList<int?> BlockSizes(string setting) =>
        Of(setting).Select(c => c.BlockSize).Distinct().OrderBy(b => b is null ? 0 : 1).ThenByDescending(b => b).ToList();

    /// <summary>The cell of a plan, or null when the study has no run of it.</summary>
    public StudyCell? Cell(string setting, int truncation, int? blockSize) =>
        Cells.FirstOrDefault(c => c.Setting == setting && c.Truncation == truncation && c.BlockSize == blockSize);

    /// <summary>
    /// The accuracy–memory front of a setting: mean test accuracy up, mean measured peak step memory down (cells without a
    /// measurement take no part).
    /// </summary>
    public IReadOnlyList<StudyCell> ParetoFront(string setting) =>
        Studies.ParetoFront.Of(Of(setting).Where(c => c.PeakStepBytes is not null), c => c.TestAccuracy.Mean, c => c.PeakStepBytes!.Value.Mean);
}
