using Snn.Charts;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>The study charts of notebook 05 carry the numbers of their cells, the blanks of missing plans and the Pareto front.</summary>
public sealed class StudyChartsTests
{
    private const double Mib = 1024 * 1024;

    // Frame data: K ∈ {10, 2} × B ∈ {all, 1}, two seeds, K=2 B=all missing; events: BPTT only. Binary fractions keep the means exact.
    private static DesignSpace Space()
    {
        StudyRun Run(bool events, int k, int? b, int seed, double test, double train, double peakMib) =>
            new(events ? "e" : "f", events ? "emulated-n-fashion-mnist" : "fashion-mnist", events, 10, k, b, seed, test, train,
                (long)(peakMib * Mib), 1e9 * k, 1e6, 2 * Mib);
        return DesignSpace.Of([
            Run(false, 10, null, 0, 0.6875, 0.8125, 100), Run(false, 10, null, 1, 0.75, 1.0, 100),
            Run(false, 10, 1, 0, 0.625, 0.625, 60), Run(false, 10, 1, 1, 0.6875, 0.6875, 60),
            Run(false, 2, 1, 0, 0.625, 0.625, 20), Run(false, 2, 1, 1, 0.625, 0.6875, 20),
            Run(true, 10, null, 0, 0.5, 0.6, 80),
        ]);
    }

    private static string Json(Plotly.NET.GenericChart chart) => Plotly.NET.GenericChart.toFigureJson(chart).Replace(" ", "");

    [Fact]
    public void Heatmaps_show_mean_and_std_per_cell_and_leave_missing_plans_blank()
    {
        var space = Space();
        var accuracy = Json(StudyCharts.AccuracyHeatmap(space, "f"));
        Assert.Contains("\"x\":[\"10\",\"2\"]", accuracy);
        Assert.Contains("\"y\":[\"all\",\"1\"]", accuracy);
        Assert.Contains("\"z\":[[71.875,null],[65.625,62.5]]", accuracy);   // K=2 B=all has no runs
        Assert.Contains("\"text\":[[\"71.9±4.4\",\"\"],[\"65.6±4.4\",\"62.5\"]]", accuracy);   // 0.625, 0.625: no spread
        Assert.Contains("\"texttemplate\":\"%{text}\"", accuracy);
        Assert.Contains("Testaccuracy(%),mean±stdoverseeds—fashion-mnist", accuracy);

        var memory = Json(StudyCharts.PeakMemoryHeatmap(space, "f"));
        Assert.Contains("\"z\":[[100.0,null],[60.0,20.0]]", memory);
        var macs = Json(StudyCharts.MacsHeatmap(space, "f"));
        Assert.Contains("\"text\":[[\"10.00\",\"\"],[\"10.00\",\"2.00\"]]", macs);
        Assert.Throws<ArgumentException>(() => StudyCharts.AccuracyHeatmap(space, "nope"));
    }

    [Fact]
    public void Accuracy_against_memory_draws_every_plan_and_each_settings_front()
    {
        var json = Json(StudyCharts.AccuracyVsMemory(Space()));
        Assert.Contains("\"name\":\"fashion-mnist\"", json);
        Assert.Contains("\"x\":[100.0,60.0,20.0]", json);
        Assert.Contains("\"y\":[71.875,65.625,62.5]", json);
        // Every frame plan trades accuracy for memory here, so all three lie on the front, by memory ascending.
        Assert.Contains("\"name\":\"Paretofront:fashion-mnist\"", json);
        Assert.Contains("\"x\":[20.0,60.0,100.0],\"y\":[62.5,65.625,71.875]", json);
        Assert.Contains("\"name\":\"Paretofront:emulated-n-fashion-mnist\"", json);
        Assert.Contains("fashion-mnistK=10B=all:71.88±4.42%,100.0MiB", json);
    }

    [Fact]
    public void The_gap_chart_has_one_line_per_K_with_error_bars()
    {
        var json = Json(StudyCharts.GapVsBlockSize(Space(), "f"));
        Assert.Contains("\"name\":\"K=10\"", json);
        Assert.Contains("\"x\":[\"all\",\"1\"],\"y\":[18.75,0.0]", json);   // gaps 0.125, 0.25 and 0, 0
        Assert.Contains("\"name\":\"K=2\"", json);
        Assert.Contains("\"x\":[\"1\"],\"y\":[3.125]", json);
        Assert.Contains("\"categoryarray\":[\"all\",\"1\"]", json);
        Assert.Contains("\"error_y\"", json);
    }
}
