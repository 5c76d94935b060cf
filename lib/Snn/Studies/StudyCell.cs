using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// One plan (K, B) of one setting of a study, over its seeds: mean ± sample std (<see cref="MeanStd"/>) of the test
/// and train accuracy, the train − test gap (fractions) and, where the runs have them, the measured peak step memory
/// and the cost model's MACs, memory access and modelled peak (bytes, per training step).
/// </summary>
public sealed record StudyCell(
    string Setting, string Dataset, bool EventData, int TimeSteps, int Truncation, int? BlockSize, IReadOnlyList<int> Seeds,
    MeanStd TestAccuracy, MeanStd TrainAccuracy, MeanStd TrainTestGap,
    MeanStd? PeakStepBytes, MeanStd? Macs, MeanStd? AccessBytes, MeanStd? ModelledPeakStepBytes)
{
    /// <summary>K = T and one block.</summary>
    public bool IsBptt => Truncation == TimeSteps && BlockSize is null;

    /// <summary>"K=10 B=all".</summary>
    public string Label => PlanLabel(Truncation, BlockSize);

    /// <summary>"K=10 B=all" for K = 10 and one block (B null).</summary>
    public static string PlanLabel(int truncation, int? blockSize) => $"K={truncation} B={BlockLabel(blockSize)}";

    /// <summary>"all" for one block, else B.</summary>
    public static string BlockLabel(int? blockSize) => blockSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all";

    /// <summary>The cell of the runs of one setting and plan (all of <paramref name="runs"/> must share them).</summary>
    public static StudyCell Of(IReadOnlyList<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("No runs to aggregate.", nameof(runs));
        var first = runs[0];
        if (runs.Any(r => r.Setting != first.Setting || r.Truncation != first.Truncation || r.BlockSize != first.BlockSize))
            throw new ArgumentException($"The runs of a cell share one setting and plan; {first.Dataset} {first.PlanLabel} is mixed with others.",
                nameof(runs));
        MeanStd? Optional(Func<StudyRun, double?> of) =>
            runs.All(r => of(r) is { } v && double.IsFinite(v)) ? MeanStd.Of(runs.Select(r => of(r)!.Value)) : null;
        return new StudyCell(first.Setting, first.Dataset, first.EventData, first.TimeSteps, first.Truncation, first.BlockSize,
            runs.Select(r => r.Seed).Order().ToList(),
            MeanStd.Of(runs.Select(r => r.TestAccuracy))!.Value, MeanStd.Of(runs.Select(r => r.TrainAccuracy))!.Value,
            MeanStd.Of(runs.Select(r => r.TrainTestGap))!.Value,
            Optional(r => r.PeakStepBytes), Optional(r => r.Macs), Optional(r => r.AccessBytes), Optional(r => r.ModelledPeakStepBytes));
    }
}
