using System.Globalization;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using Snn.Studies;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Snn.Charts;

/// <summary>
/// Charts of a pre-registered study's analysis (<see cref="StudyAnalysis"/>, notebook 05): a forest plot of every
/// contrast with its 95 % CI and the equivalence margin, each arm's final accuracy with its optimizer steps, and the
/// learning curves against optimizer steps (equal steps beside the paper's per-window protocol).
/// </summary>
public static class StudyAnalysisCharts
{
    private static readonly Dictionary<string, string> WordColors = new(StringComparer.Ordinal)
    {
        ["supported"] = "#2ca02c",
        ["contradicted"] = "#d62728",
        ["equivalent"] = "#1f77b4",
        ["inconclusive"] = "#7f7f7f",
        ["effect (+)"] = "#ff7f0e",
        ["effect (−)"] = "#9467bd",
    };

    /// <summary>
    /// Every contrast as a point at its mean paired difference with its 95 % CI (a contrast of one seed has no CI),
    /// coloured by its verdict word, over the equivalence band ±margin (shaded) and the zero line; claims first, then
    /// findings, in plan order from the top. Accuracy-like metrics in percentage points.
    /// </summary>
    public static GenericChart Forest(StudyAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var rows = analysis.Contrasts.Where(c => c.Test.N > 0).ToList();
        if (rows.Count == 0) throw new ArgumentException("No contrast has a paired seed yet: nothing to draw.", nameof(analysis));
        static double Scale(ContrastResult c) => c.Contrast.Metric.Contains("accuracy", StringComparison.Ordinal)
            || c.Contrast.Metric.Contains("gap", StringComparison.Ordinal) ? 100 : 1;
        string Label(ContrastResult c) => $"{c.Id} ({c.Contrast.Metric.Replace("final_test_accuracy", "test acc", StringComparison.Ordinal)})";
        var charts = new List<GenericChart>();
        foreach (var group in rows.GroupBy(c => c.Word))
        {
            var members = group.ToList();
            var points = CSharpChart.Point<double, string, string>(
                members.Select(c => c.Test.Mean * Scale(c)).ToArray(), members.Select(Label).ToArray(), Name: group.Key,
                MarkerColor: Color.fromString(WordColors.GetValueOrDefault(group.Key, Palette.Blue)),
                MultiText: members.Select(c => $"{c.Contrast.Label}: {c.Summary}").ToArray());
            // The t-based CI is symmetric about the mean; one seed has none (drawn without a bar).
            charts.Add(ReportCharts.WithXError(points, members.Select(c => c.Test.N > 1 ? (c.Test.CiHigh - c.Test.Mean) * Scale(c) : 0).ToArray()));
        }
        var margin = analysis.Plan.Margin * 100;
        var order = rows.Select(Label).Reverse().ToArray();
        var chart = CSharpChart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "paired difference per seed, mean and 95 % CI (pt); "
                + $"shaded: equivalence margin ±{margin.ToString("0.##", CultureInfo.InvariantCulture)} pt")
            .WithYAxisStyle<double, double, string>(TitleText: "", CategoryOrder: StyleParam.CategoryOrder.Array, CategoryArray: order)
            .WithTitle($"{analysis.Plan.Study}: every pre-registered contrast (n = {string.Join("/", rows.Select(c => c.Test.N).Distinct().Order())} seeds)")
            .WithSize(980, Math.Max(420, 22 * rows.Count + 140));
        return WithShapes(chart,
            Shape("rect", -margin, margin, "rgba(31,119,180,0.15)", 0),
            Shape("line", 0, 0, "rgba(0,0,0,0)", 1));
    }

    /// <summary>Final test accuracy (%) of every arm of one setting, mean ± std over seeds, each bar labelled with its seeds and optimizer steps.</summary>
    public static GenericChart ArmAccuracy(StudyAnalysis analysis, string setting)
    {
        var arms = ArmsOf(analysis, setting);
        var bars = CSharpChart.Column<double, string, string>(arms.Select(a => 100 * a.TestAccuracy.Mean).ToArray(),
            arms.Select(a => a.Arm).ToArray(), Name: "final test accuracy", MarkerColor: Color.fromString(Palette.Blue),
            MultiText: arms.Select(a => $"n={a.Seeds.Count}, {a.StepsText} steps").ToArray());
        var low = arms.Min(a => a.TestAccuracy.Mean - (a.TestAccuracy.Std ?? 0));
        var high = arms.Max(a => a.TestAccuracy.Mean + (a.TestAccuracy.Std ?? 0));
        return ReportCharts.WithYError(bars, arms.Select(a => 100 * (a.TestAccuracy.Std ?? 0)).ToArray())
            .WithYAxisStyle<double, double, string>(TitleText: "final test accuracy (%), mean ± std over seeds",
                MinMax: new Tuple<double, double>(Math.Floor(100 * low - 3), Math.Ceiling(100 * high + 1)))
            .WithXAxisStyle<double, double, string>(TitleText: "arm (label: seeds, optimizer steps per run)")
            .WithTitle($"Every arm's final test accuracy — {setting}")
            .WithSize(Math.Max(760, 62 * arms.Count), 460);
    }

    /// <summary>
    /// Learning curves of one setting: test accuracy (%) after each evaluated epoch against the optimizer steps made by
    /// then (log axis), one line per arm, mean over seeds with ± std at each point. Arms with more steps per run than the
    /// setting's fewest (per-window updates, smaller batches) are dashed: at equal steps they can be read off the solid lines.
    /// </summary>
    public static GenericChart AccuracyVsSteps(StudyAnalysis analysis, IReadOnlyList<ArmCurve> curves, string setting)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var arms = ArmsOf(analysis, setting);
        var fewest = arms.Min(a => a.OptimizerSteps.Min());
        var lines = new List<GenericChart>();
        foreach (var (arm, i) in arms.Select((a, i) => (a, i)))
        {
            var curve = curves.FirstOrDefault(c => c.Setting == setting && c.Arm == arm.Arm);
            if (curve is null || curve.Points.Count == 0) continue;
            var line = CSharpChart.Line<double, double, string>(curve.Points.Select(p => (double)p.OptimizerSteps).ToArray(),
                curve.Points.Select(p => 100 * p.TestAccuracy.Mean).ToArray(), Name: $"{arm.Arm} ({arm.StepsText} steps)", ShowMarkers: true,
                LineColor: Color.fromString(Palette.Of(i)),
                LineDash: arm.OptimizerSteps.Min() > fewest ? StyleParam.DrawingStyle.Dash : StyleParam.DrawingStyle.Solid,
                MultiText: curve.Points.Select(p =>
                    $"{arm.Arm}, epoch {p.Epoch}, {p.OptimizerSteps} steps: {p.TestAccuracy.Format(100, "F2")} % (n={p.TestAccuracy.N})").ToArray());
            lines.Add(ReportCharts.WithYError(line, curve.Points.Select(p => 100 * (p.TestAccuracy.Std ?? 0)).ToArray()));
        }
        if (lines.Count == 0) throw new ArgumentException($"No learning curve of setting '{setting}' has an evaluated epoch.", nameof(curves));
        return CSharpChart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "optimizer steps made (log)", AxisType: StyleParam.AxisType.Log)
            .WithYAxisStyle<double, double, string>(TitleText: "test accuracy (%), mean ± std over seeds")
            .WithTitle($"Learning curves against optimizer steps — {setting} (dashed: more steps than the equal-steps arms)")
            .WithSize(980, 520);
    }

    private static List<ArmSummary> ArmsOf(StudyAnalysis analysis, string setting)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var arms = analysis.Arms.Where(a => a.Setting == setting).ToList();
        return arms.Count > 0 ? arms
            : throw new ArgumentException($"No finished run in setting '{setting}' "
                + $"(settings with runs: {string.Join(", ", analysis.Arms.Select(a => a.Setting).Distinct())}).", nameof(setting));
    }

    // A layout shape spanning the whole plot height: a band from x0 to x1, or a vertical line at x0.
    private static Dictionary<string, object> Shape(string type, double x0, double x1, string fill, double lineWidth) => new()
    {
        ["type"] = type,
        ["xref"] = "x",
        ["yref"] = "paper",
        ["x0"] = x0,
        ["x1"] = x1,
        ["y0"] = 0,
        ["y1"] = 1,
        ["fillcolor"] = fill,
        ["layer"] = "below",
        ["line"] = new Dictionary<string, object> { ["width"] = lineWidth, ["color"] = "#444", ["dash"] = "dot" },
    };

    private static GenericChart WithShapes(GenericChart chart, params Dictionary<string, object>[] shapes) =>
        GenericChart.mapLayout(FuncConvert.FromFunc<Layout, Layout>(layout =>
        {
            layout.SetProperty("shapes", shapes);
            return layout;
        }), chart);
}
