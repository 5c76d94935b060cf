using Microsoft.FSharp.Core;
using Plotly.NET;

namespace Snn.Charts;

/// <summary>Small C# conveniences over Plotly.NET's F# API.</summary>
public static class ChartExtensions
{
    /// <summary>Sets the chart's title (Plotly.NET's Chart.withTitle).</summary>
    public static GenericChart WithTitle(this GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(title, (FSharpOption<Font>?)null).Invoke(chart);
}
