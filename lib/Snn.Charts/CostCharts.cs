using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>Charts of the cost model: (K, B) heatmaps and grouped bars against BPTT.</summary>
public static class CostCharts
{

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
        var heat = CSharpChart.Heatmap<double, string, string, string>(zData: z, X: columns.ToArray(), Y: rows.ToArray(),
            ColorScale: StyleParam.Colorscale.Viridis);
        return heat
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithTitle(title)
            .WithSize(760, 460);
    }

    /// <summary>Grouped bars: one group per category, one bar per series (e.g. per phase or per plan).</summary>
    public static GenericChart GroupedBars(string title, string yTitle, IReadOnlyList<string> categories, IEnumerable<(string Name, double[] Values)> series,
        bool logY = false)
    {
        var charts = series.Select((s, i) => CSharpChart.Column<double, string, string>(s.Values, categories.ToArray(), Name: s.Name,
            MarkerColor: Color.fromString(Palette.Of(i)))).ToList();
        if (charts.Count == 0) throw new ArgumentException("No series to draw.", nameof(series));
        return CSharpChart.Combine(charts)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle, AxisType: logY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithTitle(title)
            .WithSize(760, 420);
    }

    /// <summary>
    /// Measured against modelled values, one point per labelled case (e.g. peak step memory per plan), on log axes with
    /// the line measured = model and a band of ±<paramref name="tolerance"/>; hovering a point names its case.
    /// </summary>
    public static GenericChart MeasuredVsModel(string title, string unit, IReadOnlyList<(string Label, double Model, double Measured)> points,
        double tolerance = 0.2)
    {
        var valid = points.Where(p => p.Model > 0 && p.Measured > 0 && double.IsFinite(p.Measured)).ToList();
        if (valid.Count == 0) throw new ArgumentException("No point with a positive model and measured value.", nameof(points));
        if (!(tolerance >= 0 && tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "Tolerance must be in [0, 1).");
        var low = Math.Min(valid.Min(p => p.Model), valid.Min(p => p.Measured)) * 0.8;
        var high = Math.Max(valid.Max(p => p.Model), valid.Max(p => p.Measured)) * 1.25;
        GenericChart Diagonal(double factor, string name, StyleParam.DrawingStyle dash) => CSharpChart.Line<double, double, string>(
            [low, high], [low * factor, high * factor], Name: name, LineColor: Color.fromString("#7f7f7f"), LineDash: dash);
        var cases = CSharpChart.Point<double, double, string>(valid.Select(p => p.Model).ToArray(), valid.Select(p => p.Measured).ToArray(),
            Name: "measured", MultiText: valid.Select(p => $"{p.Label}: measured/model {p.Measured / p.Model:F2}").ToArray(),
            MarkerColor: Color.fromString(Palette.Of(0)));
        return CSharpChart.Combine([
                Diagonal(1, "measured = model", StyleParam.DrawingStyle.Solid),
                Diagonal(1 + tolerance, $"+{tolerance:P0}", StyleParam.DrawingStyle.Dash),
                Diagonal(1 - tolerance, $"−{tolerance:P0}", StyleParam.DrawingStyle.Dash),
                cases])
            .WithXAxisStyle<double, double, string>(TitleText: $"model ({unit})", AxisType: StyleParam.AxisType.Log)
            .WithYAxisStyle<double, double, string>(TitleText: $"measured ({unit})", AxisType: StyleParam.AxisType.Log)
            .WithTitle(title)
            .WithSize(640, 520);
    }
}
