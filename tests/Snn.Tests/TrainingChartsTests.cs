using Snn.Charts;
using Snn.Training;
using Snn.Plans;

namespace Snn.Tests;

public sealed class TrainingChartsTests
{
    [Fact]
    public void Plan_charts_carry_their_data_and_titles()
    {
        var plan = TrainingPlan.TruncatedLocal(10, 2, 1);
        var history = new TrainingHistory("4C3-FC2", plan);
        for (var b = 1; b <= 5; b++) history.Batches.Add(new BatchMetrics(1, b, 10L * b, 1.0 / b, 0.5, [2.0 / b, 1.0 / b]));
        var blocks = Plotly.NET.GenericChart.toFigureJson(TrainingCharts.BlockLossCurves(history, smoothing: 1)).Replace(" ", "");
        Assert.Contains("block1(localhead)", blocks);
        Assert.Contains("block2(readout)", blocks);
        Assert.Contains("TT-Local(T=10,K=2,B=1)", blocks);
        Assert.Contains("\"y\":[2.0,1.0,", blocks);

        var lines = Plotly.NET.GenericChart.toFigureJson(TrainingCharts.Lines("Accuracy vs K", "K", "%", [("TBPTT", [1.0, 2.0], [80.0, 81.5])])).Replace(" ", "");
        Assert.Contains("\"y\":[80.0,81.5]", lines);

        var alignment = Plotly.NET.GenericChart.toFigureJson(TrainingCharts.GradientAlignment(
            [("K=1", [new LayerAlignment(0, "4C3", 0.25, 1, 1), new LayerAlignment(1, "FC2", 0.75, 1, 1)])])).Replace(" ", "");
        Assert.Contains("stage1:FC2", alignment);
        Assert.Contains("0.75", alignment);
        var none = new TrainingHistory("4C3-FC2", TrainingPlan.Bptt(4));
        none.Batches.Add(new BatchMetrics(1, 1, 10, 1, 0.5));
        Assert.Throws<ArgumentException>(() => TrainingCharts.BlockLossCurves(none));
    }

    [Fact]
    public void Measured_vs_model_chart_names_every_case_and_draws_the_band()
    {
        var figure = Plotly.NET.GenericChart.toFigureJson(CostCharts.MeasuredVsModel("Peak step memory", "MiB",
            [("BPTT", 600, 646), ("TT-Local K=1 B=1", 57, 53), ("broken", 10, double.NaN)])).Replace(" ", "");
        Assert.Contains("BPTT:measured/model1.08", figure);
        Assert.Contains("TT-LocalK=1B=1:measured/model0.93", figure);
        Assert.DoesNotContain("broken", figure);   // not measured: left out, not drawn at 0
        Assert.Contains("+20%", figure);
        Assert.Contains("\"type\":\"log\"", figure);
        Assert.Throws<ArgumentException>(() => CostCharts.MeasuredVsModel("t", "MiB", [("x", 0, 1)]));
    }
}
