using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Studies;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>
/// Methods side by side (<see cref="MethodComparison"/>, notebook 09): test accuracy per method and dataset with ± std over
/// seeds, and accuracy against measured peak step memory with each dataset's Pareto front. Hovering names the optimizer steps.
/// </summary>
public static class MethodCharts
{
    private const double Mib = 1024.0 * 1024.0;

    /// <summary>Final test accuracy (%) per method, one bar colour per dataset: mean over seeds, error bars ± one sample std.</summary>
    public static GenericChart Accuracy(IReadOnlyList<MethodSummary> methods, string title)
    {
        ArgumentNullException.ThrowIfNull(methods);
        if (methods.Count == 0) throw new ArgumentException("No methods to draw.", nameof(methods));
        var charts = methods.GroupBy(m => m.Dataset).Select((g, i) =>
        {
            var rows = g.ToList();
            var bars = CSharpChart.Column<double, string, string>(rows.Select(m => 100 * m.TestAccuracy.Mean).ToArray(),
                rows.Select(m => m.Reference.Method).ToArray(), Name: Label(rows[0]), MarkerColor: Color.fromString(Palette.Of(i)),
                MultiText: rows.Select(m => $"{m.TestAccuracy.Format(100, "F1")} %, {m.StepsText} optimizer steps, n={m.TestAccuracy.N}").ToArray());
            return ReportCharts.WithYError(bars, rows.Select(m => 100 * (m.TestAccuracy.Std ?? 0)).ToArray());
        }).ToList();
        return CSharpChart.Combine(charts)
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%), mean ± std over seeds")
            .WithTitle(title)
            .WithSize(860, 440);
    }

    /// <summary>
    /// Mean test accuracy (%) against mean measured peak step memory (MiB), one point per method and dataset (± std on
    /// accuracy), and each dataset's front (<see cref="MethodComparison.ParetoFront"/>) as a dashed line.
    /// </summary>
    public static GenericChart AccuracyVsMemory(IReadOnlyList<MethodSummary> methods, string title)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var charts = new List<GenericChart>();
        foreach (var (dataset, i) in methods.Select(m => m.Dataset).Distinct().Select((d, i) => (d, i)))
        {
            var rows = methods.Where(m => m.Dataset == dataset && m.PeakStepBytes is not null).ToList();
            if (rows.Count == 0) continue;
            var color = Color.fromString(Palette.Of(i));
            var name = Label(rows[0]);
            var points = CSharpChart.Point<double, double, string>(rows.Select(m => m.PeakStepBytes!.Value.Mean / Mib).ToArray(),
                rows.Select(m => 100 * m.TestAccuracy.Mean).ToArray(), Name: name, MarkerColor: color,
                MultiText: rows.Select(m => $"{m.Reference.Method}: {m.TestAccuracy.Format(100, "F1")} %, {m.PeakStepBytes!.Value.Mean / Mib:F1} MiB, "
                    + $"{m.StepsText} steps").ToArray());
            charts.Add(ReportCharts.WithYError(points, rows.Select(m => 100 * (m.TestAccuracy.Std ?? 0)).ToArray()));
            var front = MethodComparison.ParetoFront(rows, dataset);
            charts.Add(CSharpChart.Line<double, double, string>(front.Select(m => m.PeakStepBytes!.Value.Mean / Mib).ToArray(),
                front.Select(m => 100 * m.TestAccuracy.Mean).ToArray(), Name: $"front: {name}", ShowMarkers: true,
                MultiText: front.Select(m => $"front: {m.Reference.Method}").ToArray(), LineColor: color, LineDash: StyleParam.DrawingStyle.Dash));
        }
        if (charts.Count == 0) throw new ArgumentException("No method with both a test accuracy and a measured peak step memory.", nameof(methods));
        return CSharpChart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "measured peak step memory (MiB), mean over seeds")
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%), mean ± std over seeds")
            .WithTitle(title)
            .WithSize(860, 500);
    }

    private static string Label(MethodSummary m) => m.EventData ? $"{m.Dataset} (events)" : $"{m.Dataset} (frames)";
}
