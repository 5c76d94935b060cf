using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;
using Snn.Data.Events;

namespace Snn.Charts;

/// <summary>Charts of event streams and binned event frames.</summary>
public static class EventCharts
{
    /// <summary>
    /// Events as dots of (time, x) — ON red, OFF blue — so saccades and moving edges show as streaks.
    /// At most <paramref name="maxEvents"/> events (evenly thinned) to keep the page light.
    /// </summary>
    public static GenericChart Scatter(EventStream events, string? title = null, int maxEvents = 6000, bool showY = false)
    {
        var step = Math.Max(1, events.Count / Math.Max(1, maxEvents));
        var idx = Enumerable.Range(0, events.Count).Where(i => i % step == 0).ToArray();
        GenericChart Trace(bool on) =>
            CSharpChart.Point<double, int, string>(
                idx.Where(i => events.Polarity[i] == on).Select(i => events.T[i] / 1000.0).ToArray(),
                idx.Where(i => events.Polarity[i] == on).Select(i => showY ? (int)events.Y[i] : events.X[i]).ToArray(),
                Name: on ? "ON" : "OFF", MarkerColor: Color.fromString(on ? Palette.Red : Palette.Blue));
        return CSharpChart.Combine([Trace(true), Trace(false)])
            .WithXAxisStyle<double, double, string>(TitleText: "time (ms)")
            .WithYAxisStyle<double, double, string>(TitleText: showY ? "y (pixel)" : "x (pixel)")
            .WithTitle(title ?? $"{events}")
            .WithSize(800, 360);
    }

    /// <summary>
    /// Frames [T, C, H, W] (C = 2: OFF, ON; or 1) as a row of heatmaps of ON − OFF counts per frame
    /// (colour scale per frame: red ON, blue OFF).
    /// </summary>
    public static GenericChart Frames(Tensor frames, string? title = null, int maxFrames = 12, IReadOnlyList<string>? captions = null)
    {
        if (frames.dim() != 4 || frames.shape[1] is not (1 or 2))
            throw new ArgumentException($"Frames must be [T, C, H, W] with C = 1 or 2; got [{string.Join(", ", frames.shape)}].", nameof(frames));
        using var scope = torch.NewDisposeScope();
        var t = (int)Math.Min(maxFrames, frames.shape[0]);
        var signed = frames.shape[1] == 2 ? frames[.., 1] - frames[.., 0] : frames[.., 0];
        var charts = new List<GenericChart>();
        for (var k = 0; k < t; k++)
        {
            var img = signed[k].to(torch.CPU).to_type(ScalarType.Float64).contiguous();
            var h = (int)img.shape[0];
            var w = (int)img.shape[1];
            var v = img.data<double>().ToArray();
            var rows = Enumerable.Range(0, h).Select(r => v.AsSpan(r * w, w).ToArray()).ToArray();
            var blueWhiteRed = StyleParam.Colorscale.NewCustom([
                Tuple.Create(0.0, Color.fromString(Palette.Blue)), Tuple.Create(0.5, Color.fromString("white")),
                Tuple.Create(1.0, Color.fromString(Palette.Red))]);
            charts.Add(CSharpChart.Heatmap<double, int, int, string>(rows, ShowScale: false, ReverseYAxis: true, ColorScale: blueWhiteRed)
                .WithXAxisStyle<int, int, string>(ShowGrid: false)
                .WithYAxisStyle<int, int, string>(ShowGrid: false));
        }
        var names = captions?.Take(t).ToArray() ?? Enumerable.Range(0, t).Select(k => $"frame {k}").ToArray();
        return CSharpChart.Grid(charts, 1, t, SubPlotTitles: names)
            .WithTitle(title ?? $"{frames.shape[0]} frames (red ON, blue OFF)")
            .WithSize(Math.Max(400, 120 * t + 80), 230);
    }
}
