using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>Charts of single neurons, surrogate gradients and per-layer activity.</summary>
public static class NeuronCharts
{

    /// <summary>
    /// Membrane traces of one LIF neuron per named run (see <see cref="Lif.Trace"/>) with its spikes marked
    /// and the threshold drawn; <paramref name="currents"/> is the shared input current per step.
    /// </summary>
    public static GenericChart MembraneTraces(IReadOnlyList<double> currents, IReadOnlyList<(string Name, LifParameters Parameters)> runs, string? title = null)
    {
        if (runs.Count == 0) throw new ArgumentException("Give at least one run.", nameof(runs));
        var steps = Enumerable.Range(0, currents.Count).ToArray();
        var charts = new List<GenericChart>
        {
            CSharpChart.Column<double, int, string>(currents.ToArray(), steps, Name: "input current I[t]", MarkerColor: Color.fromString("#cccccc")),
        };
        var spikeBars = new List<GenericChart>();
        for (var r = 0; r < runs.Count; r++)
        {
            var (name, p) = runs[r];
            var (u, s) = Lif.Trace(currents, p);
            var color = Color.fromString(Palette.Of(r));
            charts.Add(CSharpChart.Line<int, double, string>(steps, u, Name: $"u[t]: {name}", LineColor: color, ShowMarkers: true));
            spikeBars.Add(CSharpChart.Column<double, int, string>(s, steps, Name: $"spikes: {name} ({s.Sum():F0})", MarkerColor: color));
        }
        var theta = runs[0].Parameters.Threshold;
        charts.Add(CSharpChart.Line<int, double, string>([0, currents.Count - 1], [theta, theta], Name: $"threshold θ = {theta}",
            LineColor: Color.fromString("black"), LineDash: StyleParam.DrawingStyle.Dash));
        var membrane = CSharpChart.Combine(charts).WithYAxisStyle<double, double, string>(TitleText: "membrane u[t], input I[t]");
        var spikes = CSharpChart.Combine(spikeBars).WithYAxisStyle<double, double, string>(TitleText: "spike s[t]");
        return CSharpChart.Grid([membrane, spikes], 2, 1)
            .WithXAxisStyle<int, int, string>(TitleText: "time step t")
            .WithTitle(title ?? "LIF membrane traces")
            .WithSize(900, 560);
    }

    /// <summary>Each surrogate's smooth primitive (left) and its derivative ∂s/∂u used in backward (right), over x = u − θ.</summary>
    public static GenericChart Surrogates(IReadOnlyList<Surrogate> surrogates, double range = 2.0, int points = 401, string? title = null)
    {
        if (surrogates.Count == 0) throw new ArgumentException("Give at least one surrogate.", nameof(surrogates));
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "Need at least 2 points.");
        using var scope = torch.NewDisposeScope();
        var x = torch.linspace(-range, range, points, dtype: ScalarType.Float64);
        var xs = x.data<double>().ToArray();
        var primitives = new List<GenericChart>();
        var derivatives = new List<GenericChart>();
        for (var i = 0; i < surrogates.Count; i++)
        {
            var sg = surrogates[i];
            var color = Color.fromString(Palette.Of(i));
            primitives.Add(CSharpChart.Line<double, double, string>(xs, sg.Primitive(x).data<double>().ToArray(), Name: sg.Name, LineColor: color,
                ShowLegend: false));
            derivatives.Add(CSharpChart.Line<double, double, string>(xs, sg.Derivative(x).data<double>().ToArray(), Name: sg.Name, LineColor: color));
        }
        var heaviside = xs.Select(v => v >= 0 ? 1.0 : 0.0).ToArray();
        primitives.Add(CSharpChart.Line<double, double, string>(xs, heaviside, Name: "Heaviside H(x)", LineColor: Color.fromString("black"),
            LineDash: StyleParam.DrawingStyle.Dash));
        return CSharpChart.Grid([CSharpChart.Combine(primitives), CSharpChart.Combine(derivatives)], 1, 2,
                SubPlotTitles: new[] { "primitive (smooth step)", "derivative ∂s/∂u (surrogate gradient)" })
            .WithXAxisStyle<double, double, string>(TitleText: "x = u − θ")
            .WithTitle(title ?? "Surrogate gradients")
            .WithSize(1000, 420);
    }

    /// <summary>
    /// One line per series (e.g. per surrogate width): a gradient norm per stage against its depth, log
    /// scale (stage 1 = input side), e.g. from Probes.SpikeGradientNorms.
    /// </summary>
    public static GenericChart GradientNormsByDepth(IReadOnlyList<(string Name, double[] Norms)> series, string? title = null, string yTitle = "‖∂L/∂s‖ (log)")
    {
        if (series.Count == 0) throw new ArgumentException("Give at least one series.", nameof(series));
        var charts = series.Select((s, i) =>
        {
            var depth = Enumerable.Range(1, s.Norms.Length).ToArray();
            // Log axes cannot show zero: a vanished gradient is drawn at a floor of 1e-12.
            var norms = s.Norms.Select(n => Math.Max(n, 1e-12)).ToArray();
            return CSharpChart.Line<int, double, string>(depth, norms, Name: s.Name, ShowMarkers: true, LineColor: Color.fromString(Palette.Of(i)));
        }).ToList();
        return CSharpChart.Combine(charts)
            .WithXAxisStyle<int, int, string>(TitleText: "stage (1 = input side)")
            .WithYAxisStyle<double, double, string>(TitleText: yTitle, AxisType: StyleParam.AxisType.Log)
            .WithTitle(title ?? "Weight-gradient norm by depth")
            .WithSize(800, 420);
    }

    /// <summary>
    /// Spike rasters of one sample for several layers ([T, N, …] each), three per row, with their firing
    /// rates. At most <paramref name="maxNeurons"/> neurons per layer are shown, evenly spaced over the
    /// flattened layer (the first ones of an image are often its empty border).
    /// </summary>
    public static GenericChart LayerRasters(IReadOnlyList<(string Name, Tensor Spikes)> layers, int sample = 0, int maxNeurons = 150, string? title = null)
    {
        if (layers.Count == 0) throw new ArgumentException("Give at least one layer.", nameof(layers));
        if (maxNeurons < 1) throw new ArgumentOutOfRangeException(nameof(maxNeurons), maxNeurons, "Show at least one neuron.");
        var charts = new List<GenericChart>();
        var captions = new List<string>();
        foreach (var (name, spikes) in layers)
        {
            if (spikes.dim() < 2)
                throw new ArgumentException($"Layer '{name}': spikes must be [T, N, …]; got [{string.Join(", ", spikes.shape)}].", nameof(layers));
            using var scope = torch.NewDisposeScope();
            var steps = spikes.shape[0];
            var flat = spikes.reshape(steps, spikes.shape[1], -1);
            var count = flat.shape[2];
            var shown = Math.Min(maxNeurons, count);
            var picked = torch.linspace(0, count - 1, shown).round().to_type(ScalarType.Int64);
            var rate = flat.select(1, sample).to_type(ScalarType.Float64).mean().item<double>();
            charts.Add(SnnCharts.SpikeRaster(flat.index_select(2, picked), sample, (int)shown)
                .WithYAxisStyle<long, long, string>(TitleText: shown < count ? $"neuron ({shown} of {count})" : "neuron"));
            captions.Add($"{name} ({rate:P1})");
        }
        var columns = Math.Min(3, layers.Count);
        var rows = (layers.Count + columns - 1) / columns;
        return CSharpChart.Grid(charts, rows, columns, SubPlotTitles: captions.ToArray())
            .WithTitle(title ?? "Spike rasters per layer")
            .WithSize(300 * columns + 100, 300 * rows + 80);
    }
}
