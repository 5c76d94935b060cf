using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Reports;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>
/// Charts of a results report (<see cref="ReportTable"/>, `snn report`): test accuracy per configuration with
/// mean ± std error bars over seeds, per-epoch test-accuracy curves (mean over seeds) and accuracy against the
/// measured peak step memory. A chart with nothing to draw (no finished run with the numbers it needs) is null.
/// </summary>
public static class ReportCharts
{
    private const double Mib = 1024.0 * 1024.0;

    /// <summary>Every chart of the report that has something to draw, in page order.</summary>
    public static IReadOnlyList<GenericChart> All(ReportTable table) =>
        new[] { TestAccuracy(table), EpochCurves(table), AccuracyVsMemory(table) }.OfType<GenericChart>().ToList();

    /// <summary>Final test accuracy (%) per configuration: mean over seeds, error bars ± one sample std.</summary>
    public static GenericChart? TestAccuracy(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Rows.Where(r => r.FinalTestAccuracy is not null).ToList();
        if (rows.Count == 0) return null;
        var means = rows.Select(r => 100 * r.FinalTestAccuracy!.Value.Mean).ToArray();
        var stds = rows.Select(r => 100 * (r.FinalTestAccuracy!.Value.Std ?? 0)).ToArray();
        var bars = CSharpChart.Column<double, string, string>(means, rows.Select(r => r.Label).ToArray(), Name: "test accuracy",
            MarkerColor: Color.fromString(Palette.Blue), MultiText: rows.Select(r => $"n={r.FinalTestAccuracy!.Value.N}").ToArray());
        return WithYError(bars, stds)
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%), mean ± std over seeds")
            .WithTitle("Test accuracy per configuration")
            .WithSize(Math.Max(760, 60 * rows.Count), 440);
    }

    /// <summary>Test accuracy (%) per epoch, one line per configuration: the mean over its seeds, error bars ± std.</summary>
    public static GenericChart? EpochCurves(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Rows.Where(r => r.TestAccuracyCurve.Count > 0).ToList();
        if (rows.Count == 0) return null;
        var lines = rows.Select((r, i) => WithYError(
            CSharpChart.Line<int, double, string>(
                r.TestAccuracyCurve.Select(p => p.Epoch).ToArray(), r.TestAccuracyCurve.Select(p => 100 * p.TestAccuracy.Mean).ToArray(),
                Name: r.Label, ShowMarkers: true, LineColor: Color.fromString(Palette.Of(i))),
            r.TestAccuracyCurve.Select(p => 100 * (p.TestAccuracy.Std ?? 0)).ToArray())).ToList();
        return CSharpChart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "epoch")
            .WithYAxisStyle<double, double, string>(TitleText: "test accuracy (%), mean over seeds")
            .WithTitle("Test accuracy per epoch")
            .WithSize(820, 440);
    }

    /// <summary>Final test accuracy (%) against the measured peak step memory (MiB), one point per configuration, ± std on both axes.</summary>
    public static GenericChart? AccuracyVsMemory(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Rows.Where(r => r.FinalTestAccuracy is not null && r.PeakStepBytes is not null).ToList();
        if (rows.Count == 0) return null;
        var points = rows.Select((r, i) =>
        {
            var (acc, peak) = (r.FinalTestAccuracy!.Value, r.PeakStepBytes!.Value);
            var point = CSharpChart.Point<double, double, string>([peak.Mean / Mib], [100 * acc.Mean], Name: r.Label,
                MarkerColor: Color.fromString(Palette.Of(i)));
            return WithXError(WithYError(point, [100 * (acc.Std ?? 0)]), [(peak.Std ?? 0) / Mib]);
        }).ToList();
        return CSharpChart.Combine(points)
            .WithXAxisStyle<double, double, string>(TitleText: "measured peak step memory (MiB)")
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%)")
            .WithTitle("Accuracy against measured memory")
            .WithSize(820, 440);
    }

    // Symmetric error bars from an explicit array (Plotly's error_y / error_x of type "data").
    internal static GenericChart WithYError(GenericChart chart, double[] errors) =>
        Plotly.NET.Chart.withYErrorStyle<double, double>(FSharpOption<bool>.Some(true), FSharpOption<StyleParam.ErrorType>.Some(StyleParam.ErrorType.Data),
            FSharpOption<bool>.Some(true), FSharpOption<IEnumerable<double>>.Some(errors), null, null, null, null, null, null, null, null, null).Invoke(chart);

    internal static GenericChart WithXError(GenericChart chart, double[] errors) =>
        Plotly.NET.Chart.withXErrorStyle<double, double>(FSharpOption<bool>.Some(true), FSharpOption<StyleParam.ErrorType>.Some(StyleParam.ErrorType.Data),
            FSharpOption<bool>.Some(true), FSharpOption<IEnumerable<double>>.Some(errors), null, null, null, null, null, null, null, null, null).Invoke(chart);
}
