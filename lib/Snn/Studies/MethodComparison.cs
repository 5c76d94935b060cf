using Snn.Experiments;
using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// Methods side by side (notebook 09, configs/related-methods.json): the finished runs of a sweep whose grid names its
/// methods as arms, aggregated per dataset and arm over seeds, with the accuracy–memory front.
/// </summary>
public static class MethodComparison
{
    /// <summary>
    /// One <see cref="MethodSummary"/> per (dataset, arm), datasets and arms in the order of their first run. Every run
    /// needs an arm and a test accuracy; a seed counts once per dataset and arm; the runs of one arm must share its plan.
    /// </summary>
    public static IReadOnlyList<MethodSummary> Of(IEnumerable<(ExperimentConfig Config, RunSummary Summary)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var all = runs.ToList();
        foreach (var (config, summary) in all)
        {
            if (config.Arm is null) throw new ArgumentException($"{config.RunId}: the run has no arm; name each method as an arm of the grid.", nameof(runs));
            if (summary.FinalTestAccuracy is null) throw new ArgumentException($"{config.RunId} ({config.Arm}): the run has no test accuracy.", nameof(runs));
        }
        return all.GroupBy(r => (r.Config.Dataset, Arm: r.Config.Arm!)).Select(g =>
        {
            var group = g.OrderBy(r => r.Config.Seed).ToList();
            var (first, _) = group[0];
            if (group.GroupBy(r => r.Config.Seed).FirstOrDefault(s => s.Count() > 1) is { } twice)
                throw new ArgumentException($"{first.Dataset} {first.Arm}: seed {twice.Key} appears {twice.Count()} times; a seed counts once.", nameof(runs));
            if (group.Select(r => r.Config).FirstOrDefault(c => c.Plan.ToString() != first.Plan.ToString()) is { } other)
                throw new ArgumentException($"{first.Dataset} {first.Arm}: runs of one arm train different plans ({first.Plan}; {other.Plan}).",
                    nameof(runs));
            var summaries = group.Select(r => r.Summary).ToList();
            var peaks = summaries.Select(s => s.PeakStepBytes).ToList();
            var costs = summaries[0].Costs;
            return new MethodSummary(first.Dataset, first.IsEventData, first.Arm!, first.Plan, Plans.PlanReference.Of(first.Plan),
                [.. group.Select(r => r.Config.Seed)],
                MeanStd.Of(summaries.Select(s => s.FinalTestAccuracy!.Value))!.Value, MeanStd.Of(summaries.Select(s => s.FinalTrainAccuracy))!.Value,
                [.. summaries.Select(s => s.OptimizerSteps).Distinct().Order()],
                peaks.All(p => p is not null) ? MeanStd.Of(peaks.Select(p => (double)p!.Value)) : null,
                costs.Macs, costs.Acs, costs.AccessBytes, costs.ModelledPeakStepBytes);
        }).ToList();
    }

    /// <summary>
    /// The methods of one dataset no other beats on both mean test accuracy (up) and mean measured peak step memory
    /// (down), by memory ascending; methods without a measured peak take no part.
    /// </summary>
    public static IReadOnlyList<MethodSummary> ParetoFront(IEnumerable<MethodSummary> methods, string dataset) =>
        Studies.ParetoFront.Of(methods.Where(m => m.Dataset == dataset && m.PeakStepBytes is not null),
            m => m.TestAccuracy.Mean, m => m.PeakStepBytes!.Value.Mean);
}
