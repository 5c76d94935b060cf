using System.Text;
using Plotly.NET;

namespace Snn.Charts;

/// <summary>
/// HTML for charts that render offline: plotly.js (shipped inside Plotly.NET) is inlined once per page,
/// and every chart waits for it, so the order of outputs in a notebook or report does not matter.
/// </summary>
public static class ChartHtml
{
    private const string ReadyEvent = "snn-plotly-ready";
    private static readonly Lazy<string> PlotlyJs = new(LoadPlotlyJs);
    private static int libraryEmitted;

    /// <summary>The plotly.js version embedded in the pages.</summary>
    public static string PlotlyVersion => PlotlyResourceName()["Plotly.NET.plotly-".Length..^".min.js".Length];

    /// <summary>
    /// A notebook output fragment: the chart, preceded by the plotly.js library the first time this
    /// process emits a chart (later charts reuse it). Pass includeLibrary to force it.
    /// </summary>
    public static string Fragment(GenericChart chart, bool? includeLibrary = null)
    {
        var include = includeLibrary ?? Interlocked.Exchange(ref libraryEmitted, 1) == 0;
        var html = new StringBuilder();
        if (include) html.Append(LibraryScript());
        html.Append(ChartDiv(chart));
        return html.ToString();
    }

    /// <summary>A self-contained HTML page with the given charts (for files and screenshots).</summary>
    public static string Page(string title, params GenericChart[] charts)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .Append(System.Net.WebUtility.HtmlEncode(title)).Append("</title></head><body>\n");
        html.Append(LibraryScript());
        foreach (var chart in charts) html.Append(ChartDiv(chart));
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The &lt;script&gt; carrying plotly.js. Run inside a function whose define/module/exports are
    /// undefined, so plotly sets window.Plotly even where require.js is loaded (Jupyter pages).
    /// </summary>
    public static string LibraryScript() =>
        "<script type=\"text/javascript\">(function(define, module, exports){\n" + PlotlyJs.Value +
        "\n}).call(window);window.dispatchEvent(new Event('" + ReadyEvent + "'));</script>\n";

    private static string ChartDiv(GenericChart chart)
    {
        var id = "snn-chart-" + Guid.NewGuid().ToString("N");
        var figure = GenericChart.toFigureJson(chart);
        return $$"""
            <div id="{{id}}" class="snn-chart"></div>
            <script type="text/javascript">(function(){
              var figure = {{figure}};
              function draw(){ window.Plotly.newPlot('{{id}}', figure.data, figure.layout, {responsive: true}); }
              if (window.Plotly) draw(); else window.addEventListener('{{ReadyEvent}}', draw, {once: true});
            })();</script>

            """;
    }

    private static string PlotlyResourceName() =>
        typeof(GenericChart).Assembly.GetManifestResourceNames()
            .Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));

    private static string LoadPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        using var stream = assembly.GetManifestResourceStream(PlotlyResourceName())
            ?? throw new InvalidOperationException($"plotly.js is not embedded in {assembly.GetName()}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // A literal "</script" would end the inline script early; "<\/" means the same inside JS strings.
        return reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
    }
}
