namespace Snn.Charts;

/// <summary>The kit's chart colours (Plotly's default category-10 order), so every chart names a series the same way.</summary>
internal static class Palette
{
    public static readonly string[] Series = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    public const string Blue = "#1f77b4";
    public const string Red = "#d62728";

    /// <summary>The colour of series <paramref name="index"/> (cycling).</summary>
    public static string Of(int index) => Series[index % Series.Length];
}
