using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>Plotly charts of Snn results. Each returns a GenericChart that can be styled further.</summary>
public static class SnnCharts
{
    /// <summary>
    /// Loss and accuracy against training samples seen: per-batch training values (smoothed over
    /// <paramref name="smoothing"/> batches) and the test values at the end of each epoch.
    /// </summary>
    public static GenericChart LearningCurves(TrainingHistory history, string? title = null, int smoothing = 20)
    {
        if (history.Batches.Count == 0) throw new ArgumentException("The history has no batches yet.", nameof(history));
        var seen = history.Batches.Select(b => (double)b.SamplesSeen).ToArray();
        var loss = Smooth(history.Batches.Select(b => b.Loss).ToArray(), smoothing);
        var acc = Smooth(history.Batches.Select(b => 100 * b.Accuracy).ToArray(), smoothing);
        var testSeen = history.Epochs.Where(e => e.TestAccuracy.HasValue).Select(e => (double)e.SamplesSeen).ToArray();
        var testLoss = history.Epochs.Where(e => e.TestLoss.HasValue).Select(e => e.TestLoss!.Value).ToArray();
        var testAcc = history.Epochs.Where(e => e.TestAccuracy.HasValue).Select(e => 100 * e.TestAccuracy!.Value).ToArray();

        var lossChart = CSharpChart.Combine([
            CSharpChart.Line<double, double, string>(seen, loss, Name: "train loss", LineColor: Color.fromString(Palette.Blue)),
            CSharpChart.Point<double, double, string>(testSeen, testLoss, Name: "test loss", MarkerColor: Color.fromString("#d62728")),
        ]).WithYAxisStyle<double, double, string>(TitleText: "cross-entropy");
        var accChart = CSharpChart.Combine([
            CSharpChart.Line<double, double, string>(seen, acc, Name: "train accuracy", LineColor: Color.fromString("#2ca02c")),
            CSharpChart.Point<double, double, string>(testSeen, testAcc, Name: "test accuracy", MarkerColor: Color.fromString("#ff7f0e")),
        ]).WithYAxisStyle<double, double, string>(TitleText: "accuracy (%)");
        return CSharpChart.Grid([lossChart, accChart], 1, 2)
            .WithXAxisStyle<double, double, string>(TitleText: "training samples seen")
            .WithTitle(title ?? $"Learning curves: {history.Network}, {history.Plan}")
            .WithSize(900, 380);
    }

    /// <summary>
    /// Spike raster of one sample: <paramref name="spikes"/> is [T, N, …] (a stage's output); a dot at
    /// (t, i) for every spike of neuron i (flattened index), showing at most <paramref name="maxNeurons"/> neurons.
    /// </summary>
    public static GenericChart SpikeRaster(Tensor spikes, int sample = 0, int maxNeurons = 200, string? title = null)
    {
        if (spikes.dim() < 2) throw new ArgumentException($"Spikes must be [T, N, …]; got [{string.Join(", ", spikes.shape)}].", nameof(spikes));
        if (sample < 0 || sample >= spikes.shape[1])
            throw new ArgumentOutOfRangeException(nameof(sample), sample, $"Sample index must be below the batch size {spikes.shape[1]}.");
        using var scope = torch.NewDisposeScope();
        var steps = spikes.shape[0];
        var one = spikes.select(1, sample).reshape(steps, -1);
        var neurons = Math.Min(maxNeurons, one.shape[1]);
        var hits = one.narrow(1, 0, neurons).to(torch.CPU).nonzero().to_type(ScalarType.Int64);
        var t = hits.select(1, 0).data<long>().ToArray();
        var i = hits.select(1, 1).data<long>().ToArray();
        var rate = one.to_type(ScalarType.Float64).mean().item<double>();
        return CSharpChart.Point<long, long, string>(t, i, Name: "spikes", MarkerSymbol: StyleParam.MarkerSymbol.Square, MarkerColor: Color.fromString("black"))
            .WithXAxisStyle<long, long, string>(TitleText: "time step", MinMax: Tuple.Create(-1L, steps))
            .WithYAxisStyle<long, long, string>(TitleText: $"neuron (first {neurons})")
            .WithTitle(title ?? $"Spike raster (firing rate {rate:P1})")
            .WithSize(700, 360);
    }

    /// <summary>A grid of grey images [n, 1, H, W] (values in [0, 1]) with one caption each.</summary>
    public static GenericChart Images(Tensor images, IReadOnlyList<string> captions, int columns = 8, string? title = null)
    {
        if (images.dim() != 4 || images.shape[1] != 1)
            throw new ArgumentException($"Images must be [n, 1, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        var n = (int)images.shape[0];
        if (captions.Count != n) throw new ArgumentException($"{captions.Count} captions for {n} images.", nameof(captions));
        columns = Math.Min(columns, n);
        var rows = (n + columns - 1) / columns;
        var charts = new List<GenericChart>();
        for (var k = 0; k < n; k++)
        {
            var pixels = ToRows(images[k, 0]);
            charts.Add(CSharpChart.Heatmap<double, int, int, string>(pixels, ShowScale: false, ReverseYAxis: true,
                    ColorScale: StyleParam.Colorscale.Greys, Name: captions[k])
                .WithXAxisStyle<int, int, string>(ShowGrid: false)
                .WithYAxisStyle<int, int, string>(ShowGrid: false));
        }
        return CSharpChart.Grid(charts, rows, columns, SubPlotTitles: captions.ToArray())
            .WithTitle(title ?? "Samples")
            .WithSize(110 * columns + 80, 130 * rows + 80);
    }

    private static double[][] ToRows(Tensor image)
    {
        var h = (int)image.shape[0];
        var w = (int)image.shape[1];
        var values = image.to(torch.CPU).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        // Greys colour scale maps high values to black: invert so that bright pixels stay bright.
        return Enumerable.Range(0, h).Select(r => values.AsSpan(r * w, w).ToArray().Select(v => 1 - v).ToArray()).ToArray();
    }

    /// <summary>Trailing moving average over the last window points (fewer at the start).</summary>
    internal static double[] Smooth(double[] values, int window)
    {
        if (window <= 1) return values;
        var result = new double[values.Length];
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
