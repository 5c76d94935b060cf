using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Reports;
using Snn.Studies;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>
/// Charts of a K × B × seed study (<see cref="DesignSpace"/>, notebook 05): K × B heatmaps with "mean ± std" in every
/// cell, accuracy against measured memory with the Pareto front, and the train − test gap against B.
/// </summary>
public static class StudyCharts
{
    private const double Mib = 1024.0 * 1024.0;

    /// <summary>Mean final test accuracy (%) per (K, B) of one setting, "mean ± std" over seeds in each cell.</summary>
    public static GenericChart AccuracyHeatmap(DesignSpace space, string setting) =>
        Heatmap(space, setting, $"Test accuracy (%), mean ± std over seeds — {Name(space, setting)}", c => c.TestAccuracy, 100, "F1", spread: true);

    /// <summary>Mean measured peak step memory (MiB) per (K, B) of one setting.</summary>
    public static GenericChart PeakMemoryHeatmap(DesignSpace space, string setting) =>
        Heatmap(space, setting, $"Measured peak step memory (MiB) — {Name(space, setting)}", c => c.PeakStepBytes, 1 / Mib, "F1", spread: true);

    /// <summary>MACs of one training step (cost model, in G) per (K, B) of one setting.</summary>
    public static GenericChart MacsHeatmap(DesignSpace space, string setting) =>
        Heatmap(space, setting, $"MACs per training step (cost model, G) — {Name(space, setting)}", c => c.Macs, 1e-9, "F2", spread: false);

    /// <summary>
    /// A K × B heatmap of <paramref name="metric"/> (times <paramref name="scale"/>) for one setting: columns K
    /// descending, rows B from one block down; each cell shows its mean (± std when <paramref name="spread"/>), a plan
    /// without runs or without the metric is left blank.
    /// </summary>
    public static GenericChart Heatmap(DesignSpace space, string setting, string title, Func<StudyCell, MeanStd?> metric, double scale, string format,
        bool spread)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(metric);
        var ks = space.Truncations(setting);
        var bs = space.BlockSizes(setting);
        if (ks.Count == 0) throw new ArgumentException($"No setting '{setting}' in this study.", nameof(setting));
        var values = bs.Select(b => ks.Select(k => space.Cell(setting, k, b) is { } c ? metric(c) : null).ToArray()).ToArray();
        var z = values.Select(row => row.Select(v => v is { } s ? (object)(s.Mean * scale) : null).ToArray()).ToArray();
        // A cell of one seed has no spread to show: say so, so it is not read as an exact value.
        var text = values.Select(row => row.Select(v => v is { } s ? s.Format(scale, format, spread) + (spread && s.N == 1 ? " (1 seed)" : "") : "")
            .ToArray()).ToArray();
        var columns = ks.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var rows = bs.Select(StudyCell.BlockLabel).ToArray();
        var heat = CSharpChart.Heatmap<double, string, string, string>(
            zData: values.Select(row => row.Select(v => v is { } s ? s.Mean * scale : 0)), X: columns, Y: rows,
            ColorScale: StyleParam.Colorscale.Viridis, ReverseYAxis: true);
        // Missing plans as null (a gap, not a 0); the cell text drawn by plotly.js (texttemplate, plotly.js ≥ 2.17).
        heat = GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(t =>
        {
            t.SetProperty("z", z);
            t.SetProperty("text", text);
            t.SetProperty("texttemplate", "%{text}");
            t.SetProperty("hovertemplate", "K=%{x} B=%{y}: %{text}<extra></extra>");
            return t;
        }), heat);
        var t0 = space.Of(setting)[0].TimeSteps;
        return heat
            .WithXAxisStyle<double, double, string>(TitleText: $"truncation length K (T = {t0}; K = T: no truncation)")
            .WithYAxisStyle<double, double, string>(TitleText: "block size B (stages per block)")
            .WithTitle(title)
            .WithSize(760, 440);
    }

    /// <summary>
    /// Mean test accuracy (%) against mean measured peak step memory (MiB), one point per plan and setting (± std on
    /// accuracy), and each setting's Pareto front (<see cref="DesignSpace.ParetoFront"/>) as a line through its plans.
    /// </summary>
    public static GenericChart AccuracyVsMemory(DesignSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        var charts = new List<GenericChart>();
        foreach (var (setting, i) in space.Settings.Select((s, i) => (s, i)))
        {
            var cells = space.Of(setting).Where(c => c.PeakStepBytes is not null).ToList();
            if (cells.Count == 0) continue;
            var color = Color.fromString(Palette.Of(i));
            var name = space.Name(setting);
            var points = CSharpChart.Point<double, double, string>(cells.Select(c => c.PeakStepBytes!.Value.Mean / Mib).ToArray(),
                cells.Select(c => 100 * c.TestAccuracy.Mean).ToArray(), Name: name, MarkerColor: color,
                MultiText: cells.Select(c => $"{name} {c.Label}: {c.TestAccuracy.Format(100, "F2")} %, {c.PeakStepBytes!.Value.Mean / Mib:F1} MiB").ToArray());
            charts.Add(ReportCharts.WithYError(points, cells.Select(c => 100 * (c.TestAccuracy.Std ?? 0)).ToArray()));
            var front = space.ParetoFront(setting);
            charts.Add(CSharpChart.Line<double, double, string>(front.Select(c => c.PeakStepBytes!.Value.Mean / Mib).ToArray(),
                front.Select(c => 100 * c.TestAccuracy.Mean).ToArray(), Name: $"Pareto front: {name}", ShowMarkers: true,
                MultiText: front.Select(c => $"front: {name} {c.Label}").ToArray(), LineColor: color, LineDash: StyleParam.DrawingStyle.Dash));
        }
        if (charts.Count == 0) throw new ArgumentException("No plan with both a test accuracy and a measured peak step memory.", nameof(space));
        return CSharpChart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "measured peak step memory (MiB), mean over seeds")
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%), mean ± std over seeds")
            .WithTitle("Accuracy against memory: every plan, and the plans no other beats on both (Pareto front)")
            .WithSize(860, 500);
    }

    /// <summary>Train − test accuracy gap (percentage points) against B for one setting, one line per K, error bars ± std over seeds.</summary>
    public static GenericChart GapVsBlockSize(DesignSpace space, string setting)
    {
        ArgumentNullException.ThrowIfNull(space);
        var bs = space.BlockSizes(setting);
        var ks = space.Truncations(setting);
        if (ks.Count == 0) throw new ArgumentException($"No setting '{setting}' in this study.", nameof(setting));
        var lines = ks.Select((k, i) =>
        {
            var cells = bs.Select(b => space.Cell(setting, k, b)).OfType<StudyCell>().ToList();
            var line = CSharpChart.Line<string, double, string>(cells.Select(c => StudyCell.BlockLabel(c.BlockSize)).ToArray(),
                cells.Select(c => 100 * c.TrainTestGap.Mean).ToArray(), Name: $"K = {k}", ShowMarkers: true, LineColor: Color.fromString(Palette.Of(i)),
                MultiText: cells.Select(c => $"{c.Label}: {c.TrainTestGap.Format(100, "F2")} pp").ToArray());
            return ReportCharts.WithYError(line, cells.Select(c => 100 * (c.TrainTestGap.Std ?? 0)).ToArray());
        }).ToList();
        return CSharpChart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "block size B (stages per block; all = end-to-end)",
                CategoryOrder: StyleParam.CategoryOrder.Array,
                CategoryArray: bs.Select(StudyCell.BlockLabel).ToArray())
            .WithYAxisStyle<double, double, string>(TitleText: "train − test accuracy (pp), mean ± std over seeds")
            .WithTitle($"Train − test gap against block size B — {Name(space, setting)}")
            .WithSize(760, 440);
    }

    private static string Name(DesignSpace space, string setting) => space.Name(setting);
}
