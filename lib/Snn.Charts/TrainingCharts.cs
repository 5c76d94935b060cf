using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Training;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>Charts that compare training plans (K, B) and show per-block training.</summary>
public static class TrainingCharts
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>One line with markers per series: e.g. accuracy or memory against K, B or T.</summary>
    public static GenericChart Lines(string title, string xTitle, string yTitle, IEnumerable<(string Name, double[] X, double[] Y)> series, bool logX = false)
    {
        var charts = series.Select((s, i) => CSharpChart.Line<double, double, string>(s.X, s.Y, Name: s.Name, ShowMarkers: true,
            LineColor: Color.fromString(Palette[i % Palette.Length]))).ToList();
        if (charts.Count == 0) throw new ArgumentException("No series to draw.", nameof(series));
        return CSharpChart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle, AxisType: logX ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithTitle(title)
            .WithSize(760, 400);
    }

    /// <summary>Bars, one per category (e.g. one per plan).</summary>
    public static GenericChart Bars(string title, string yTitle, IReadOnlyList<string> categories, IReadOnlyList<double> values)
    {
        if (categories.Count != values.Count) throw new ArgumentException($"{categories.Count} categories for {values.Count} values.", nameof(values));
        return CSharpChart.Column<double, string, string>(values.ToArray(), categories.ToArray(), MarkerColor: Color.fromString(Palette[0]),
                MultiText: values.Select(v => v.ToString("G3")).ToArray())
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithTitle(title)
            .WithSize(760, 400);
    }

    /// <summary>
    /// Per-block local loss against training samples seen (smoothed over <paramref name="smoothing"/>
    /// batches). The last block's loss is the network readout's.
    /// </summary>
    public static GenericChart BlockLossCurves(TrainingHistory history, string? title = null, int smoothing = 20)
    {
        var batches = history.Batches.Where(b => b.BlockLosses is not null).ToList();
        if (batches.Count == 0) throw new ArgumentException($"The history of {history.Plan} has no per-block losses (one block?).", nameof(history));
        var seen = batches.Select(b => (double)b.SamplesSeen).ToArray();
        var blocks = batches[0].BlockLosses!.Count;
        var series = Enumerable.Range(0, blocks).Select(m => (
            m == blocks - 1 ? $"block {m + 1} (readout)" : $"block {m + 1} (local head)",
            seen, SnnCharts.Smooth(batches.Select(b => b.BlockLosses![m]).ToArray(), smoothing)));
        return Lines(title ?? $"Per-block loss: {history.Network}, {history.Plan}", "training samples seen", "block loss", series);
    }

    /// <summary>Gradient alignment with BPTT per stage, one series per plan (1 = same direction as BPTT).</summary>
    public static GenericChart GradientAlignment(IEnumerable<(string Name, IReadOnlyList<LayerAlignment> Layers)> plans, string? title = null)
    {
        var charts = plans.Select((p, i) => CSharpChart.Column<double, string, string>(
            p.Layers.Select(l => l.Cosine).ToArray(), p.Layers.Select(l => $"stage {l.Stage}: {l.Spec}").ToArray(),
            Name: p.Name, MarkerColor: Color.fromString(Palette[i % Palette.Length]))).ToList();
        if (charts.Count == 0) throw new ArgumentException("No plans to draw.", nameof(plans));
        return CSharpChart.Combine(charts)
            .WithYAxisStyle<double, double, string>(TitleText: "cosine similarity with the BPTT gradient", MinMax: Tuple.Create(-0.2, 1.05))
            .WithTitle(title ?? "Gradient alignment with BPTT per stage")
            .WithSize(820, 420);
    }
}
