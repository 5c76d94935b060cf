using System.Text.RegularExpressions;
using Snn.Charts;
using Snn.Training;
using TorchSharp;
using Snn.Plans;

namespace Snn.Tests;

public sealed class ChartTests
{
    [Fact]
    public void Page_embeds_plotly_once_and_every_figure()
    {
        using var scope = torch.NewDisposeScope();
        var history = new TrainingHistory("4C3-FC2", TrainingPlan.Bptt(4));
        for (var b = 1; b <= 30; b++) history.Batches.Add(new BatchMetrics(1, b, 32L * b, 2.0 / b, 0.5 + b / 100.0));
        history.Epochs.Add(new EpochMetrics(1, 0.2, 0.8, 0.25, 0.78, 3.0, 960, 1e-3));
        // 3 time steps × 2 samples × 4 neurons; sample 1 spikes 5 times.
        var spikes = torch.zeros(3, 2, 4);
        spikes[0, 1, 0] = 1; spikes[1, 1, 2] = 1; spikes[2, 1, 0] = 1; spikes[2, 1, 1] = 1; spikes[2, 1, 3] = 1;
        spikes[0, 0, 0] = 1;

        var raster = SnnCharts.SpikeRaster(spikes, sample: 1);
        var page = ChartHtml.Page("test", SnnCharts.LearningCurves(history), raster);

        Assert.Contains("plotly.js v" + ChartHtml.PlotlyVersion, page);
        Assert.Equal(2, Regex.Matches(page, "class=\"snn-chart\"").Count);
        Assert.Contains("BPTT (T=4, K=4)", page);
        Assert.DoesNotContain("<script src", page);
        var library = ChartHtml.LibraryScript();
        var first = page.IndexOf(library, StringComparison.Ordinal);
        Assert.True(first >= 0, "plotly.js is not inlined");
        Assert.Equal(-1, page.IndexOf(library, first + library.Length, StringComparison.Ordinal));
        var figure = Plotly.NET.GenericChart.toFigureJson(raster);
        Assert.Contains("\"x\":[0,1,2,2,2]", figure.Replace(" ", ""));
        Assert.Contains("\"y\":[0,2,0,1,3]", figure.Replace(" ", ""));
        Assert.Contains("firing rate 41.7", figure);
    }

    [Fact]
    public void Notebook_fragments_carry_the_library_only_when_asked()
    {
        var chart = Plotly.NET.CSharp.Chart.Line<int, int, string>([1, 2], [3, 4]);
        Assert.Contains("dispatchEvent", ChartHtml.Fragment(chart, includeLibrary: true));
        Assert.DoesNotContain("dispatchEvent", ChartHtml.Fragment(chart, includeLibrary: false));
    }
}
