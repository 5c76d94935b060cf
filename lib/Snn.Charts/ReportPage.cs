using System.Text;
using Snn.Reports;

namespace Snn.Charts;

/// <summary>
/// report.html of `snn report`: one self-contained page (plotly.js inlined by <see cref="ChartHtml"/>, no CDN, works
/// offline) with the report table, its totals and the charts of <see cref="ReportCharts"/>.
/// </summary>
public static class ReportPage
{
    /// <summary>The page; <paramref name="notes"/> are shown under the title (e.g. the results folder, warnings).</summary>
    public static string Html(ReportTable table, string title, IEnumerable<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\n")
            .Append("table.snn-report{border-collapse:collapse;font-size:13px;margin:1em 0}\n")
            .Append("table.snn-report th,table.snn-report td{border:1px solid #ccc;padding:3px 8px;white-space:nowrap}\n")
            .Append("table.snn-report th{background:#f2f2f2}\ntable.snn-report td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
            .Append("p.note{margin:0.2em 0;color:#555}\n</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n");
        foreach (var note in notes ?? []) html.Append("<p class=\"note\">").Append(E(note)).Append("</p>\n");

        html.Append("<table class=\"snn-report\">\n<thead><tr>");
        foreach (var column in table.Columns) html.Append("<th>").Append(E(column)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Cells())
        {
            html.Append("<tr>");
            for (var c = 0; c < row.Count; c++)
                html.Append(c < table.TextColumns ? "<td>" : "<td class=\"num\">").Append(E(row[c])).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody></table>\n");
        foreach (var line in table.Totals()) html.Append("<p class=\"note\">").Append(E(line)).Append("</p>\n");
        html.Append("<p class=\"note\">Mean ± sample standard deviation (n − 1) over the finished seeds of each configuration; ")
            .Append("— where a configuration has one seed. Accuracies in %, the train − test gap in percentage points, memory in MiB; ")
            .Append("costs (MACs, memory access, modelled peak) are the cost model's for one training step.</p>\n");

        var charts = ReportCharts.All(table);
        if (charts.Count == 0) html.Append("<p class=\"note\">No finished run: nothing to chart.</p>\n");
        else
        {
            html.Append(ChartHtml.LibraryScript());
            foreach (var chart in charts) html.Append(ChartHtml.Fragment(chart, includeLibrary: false));
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    // Only the markup characters: the page is UTF-8, so ± and — stay readable in the source.
    private static string E(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
