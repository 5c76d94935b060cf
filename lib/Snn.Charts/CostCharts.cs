using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>Charts of the cost model: (K, B) heatmaps and grouped bars against BPTT.</summary>
public static class CostCharts
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>
    /// A heatmap of <paramref name="values"/>[row][column] (e.g. % change against BPTT) with rows labelled by
    /// <paramref name="rows"/> (e.g. B) and columns by <paramref name="columns"/> (e.g. K); hover shows each value.
    /// </summary>
    public static GenericChart Heatmap(string title, string xTitle, string yTitle, IReadOnlyList<string> columns, IReadOnlyList<string> rows,
        IReadOnlyList<IReadOnlyList<double>> values)
    {
        if (values.Count != rows.Count || values.Any(r => r.Count != columns.Count))
            throw new ArgumentException($"Expected {rows.Count} rows of {columns.Count} values.", nameof(values));
        var z = values.Select(r => r.ToArray()).ToArray();
        var heat = CSharpChart.Heatmap<double, string, string, string>(zData: z, X: columns.ToArray(), Y: rows.ToArray(), ColorScale: StyleParam.Colorscale.Viridis);
        return heat
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithTitle(title)
            .WithSize(760, 460);
    }

    /// <summary>Grouped bars: one group per category, one bar per series (e.g. per phase or per plan).</summary>
    public static GenericChart GroupedBars(string title, string yTitle, IReadOnlyList<string> categories, IEnumerable<(string Name, double[] Values)> series, bool logY = false)
    {
        var charts = series.Select((s, i) => CSharpChart.Column<double, string, string>(s.Values, categories.ToArray(), Name: s.Name,
            MarkerColor: Color.fromString(Palette[i % Palette.Length]))).ToList();
        if (charts.Count == 0) throw new ArgumentException("No series to draw.", nameof(series));
        return CSharpChart.Combine(charts)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle, AxisType: logY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithTitle(title)
            .WithSize(760, 420);
    }
}
