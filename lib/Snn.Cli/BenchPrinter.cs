using System.Globalization;
using Snn.Benchmarks;
using Snn.Training;

namespace Snn.Cli;

/// <summary>The tables `snn bench` prints: the timing and memory report, and the memory sweep (measured vs modelled).</summary>
internal static class BenchPrinter
{
    /// <summary>What the numbers were made with: CPU model, kernel decisions, libraries and .NET's tiered compilation.</summary>
    private static string Platform(BenchReport r) => $"cpu: {r.Cpu}; kernels: {r.Kernels}; {r.Libtorch}"
        + (r.TieredCompilation is { } tiered ? $"; .NET tiered compilation {(tiered ? "on" : "off")}" : "");

    /// <summary>The memory validation grid: measured vs modelled peak step memory over K and B.</summary>
    public static void PrintSweep(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"snn bench --sweep — {r.Machine}: peak step memory over K and B, measured vs cost model");
        Console.WriteLine($"memory: {r.MemoryMethod}");
        Console.WriteLine(Platform(r));
        PrintSettings(r);
        Console.WriteLine($"{"workload",-4} {"plan",-34} {"peak MiB",9} {"RSS MiB",8} {"model MiB",9} {"ratio",6} {"retain MiB",10}");
        foreach (var x in r.Rows)
            Console.WriteLine($"{x.Workload,-4} {x.Plan,-34} {Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} {Mib(x.ModelPeakBytes),9} "
                + $"{Ratio(x),6} {Mib(x.RetainedBytes),10}");
        var ratios = r.Rows.Select(x => x.PeakRatio).OfType<double>().ToList();
        if (ratios.Count > 0)
            Console.WriteLine($"agreement: measured / model from {ratios.Min():F2} to {ratios.Max():F2} over {ratios.Count} plans; "
                + $"{ratios.Count(q => Math.Abs(q - 1) <= 0.2)} within 20 %");
        Console.WriteLine($"sweep wall time {r.WallSeconds:F0} s");
    }

    /// <summary>Memory against T: the rows, then per workload and mode the measured and modelled MiB at each T and their lines.</summary>
    public static void PrintTimeSteps(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"snn bench --time-steps — {r.Machine}: peak step memory against T, measured vs cost model");
        Console.WriteLine($"memory: {r.MemoryMethod}");
        Console.WriteLine(Platform(r));
        PrintSettings(r);
        Console.WriteLine($"{"workload",-4} {"mode",-9} {"T",4} {"plan",-34} {"peak MiB",9} {"RSS MiB",8} {"model MiB",9} {"ratio",6}");
        foreach (var x in r.Rows)
            Console.WriteLine($"{x.Workload,-4} {x.Mode,-9} {x.TimeSteps,4} {x.Plan,-34} {Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} "
                + $"{Mib(x.ModelPeakBytes),9} {Ratio(x),6}");
        var ts = r.Rows.Select(x => x.TimeSteps).Distinct().Order().ToList();
        Console.WriteLine();
        Console.WriteLine("Measured MiB at each T; slope: least-squares MiB per time step; growth: slope × (T_max − T_min) / MiB at T_min (0 = flat); "
            + "the cost model's line beside.");
        Console.WriteLine($"{"workload",-4} {"mode",-9} {string.Join(" ", ts.Select(t => $"{"T=" + t,7}"))} {"slope",8} {"growth",7} "
            + $"{"model slope",11} {"growth",7}");
        foreach (var g in r.Rows.GroupBy(x => (x.Workload, x.Mode)))
        {
            var rows = g.ToList();
            var mib = ts.Select(t => rows.FirstOrDefault(x => x.TimeSteps == t)?.MeasuredPeakBytes is { } b ? $"{b / 1048576.0,7:F1}" : $"{"n/a",7}");
            var measured = Line(rows, x => x.MeasuredPeakBytes);
            var model = Line(rows, x => x.ModelPeakBytes);
            Console.WriteLine($"{g.Key.Workload,-4} {g.Key.Mode,-9} {string.Join(" ", mib)} {Slope(measured),8} {Growth(measured),7} "
                + $"{Slope(model),11} {Growth(model),7}");
        }
        Console.WriteLine($"wall time {r.WallSeconds:F0} s");
    }

    // The least-squares line through a (workload, mode)'s rows, or null with fewer than two measured T.
    private static MemoryScaling? Line(List<BenchRow> rows, Func<BenchRow, double?> bytes)
    {
        var points = rows.Where(x => bytes(x) is not null).Select(x => new MemoryScalingPoint(x.TimeSteps, bytes(x)!.Value / 1048576.0)).ToList();
        return points.Select(p => p.TimeSteps).Distinct().Count() >= 2 && points.Count == points.Select(p => p.TimeSteps).Distinct().Count()
            ? new MemoryScaling("", points) : null;
    }

    private static string Slope(MemoryScaling? line) => line is null ? "n/a" : line.SlopeMiBPerStep.ToString("F3", CultureInfo.InvariantCulture);

    private static string Growth(MemoryScaling? line) => line is null ? "n/a" : line.RelativeGrowth.ToString("F2", CultureInfo.InvariantCulture);

    private static void PrintSettings(BenchReport r)
    {
        if (r.SynapseChunk is { } synapseChunk)
            Console.WriteLine($"synapse chunk: each pooling stage's synapse and pooling run at most {synapseChunk} samples a call (--synapse-chunk); "
                + "the model column counts the chunks (CostOptions.SynapseChunk).");
        if (r.ConvolutionLayout == "channels-last")
            Console.WriteLine("convolutions: channels-last (--channels-last; docs/channels-last.md): gradients equal the planar ones up to "
                + "float32 rounding; the model column counts the layout (CostOptions.ConvolutionLayout).");
        if (r.Input == "once")
            Console.WriteLine("input: encoded once before the steps and reused by each (--input once): the steps' times and peaks "
                + "leave the encoding out, and so does the model column.");
        if (r.Recompute is { } segment)
            Console.WriteLine($"recompute: windows longer than {segment} steps re-run their forward in backward, {segment} steps at a time "
                + "(docs/method.md); the cost model's columns (model MiB, ratio, retain MiB, MACs) do not model recomputation.");
    }

    private static string Mib(double? bytes) => bytes is { } b ? $"{b / 1048576.0:F1}" : "n/a";

    private static string Ratio(BenchRow x) => x.PeakRatio is { } q ? q.ToString("F2") : "n/a";

    public static void Print(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"snn bench — {r.Machine}, device {r.Device}, synapses {r.Precision}, {r.Threads} threads, "
            + $"fp32 GEMM peak {r.GemmPeakGflops:F1} GFLOP/s; {r.Warmup} warm-up + {r.Steps} timed steps; "
            + $"timing with MALLOC_* tuning: {r.MallocTunedForTiming}");
        Console.WriteLine($"memory: {r.MemoryMethod}");
        Console.WriteLine(Platform(r));
        PrintSettings(r);
        if (r.Rows.FirstOrDefault() is { OverheadBytes: > 0 } first)
            Console.WriteLine($"runtime overhead (measured on a tiny network): {Mib(first.OverheadBytes)} MiB");
        var (layers, training) = (r.Rows.Where(IsLayer).ToList(), r.Rows.Where(x => !IsLayer(x)).ToList());
        if (training.Count > 0) PrintTraining(r, training);
        if (layers.Count > 0) PrintLayers(r, layers);
        Console.WriteLine($"bench wall time {r.WallSeconds:F0} s");
    }

    private static bool IsLayer(BenchRow x) => x.Workload == LayerWorkload.Id;

    private static void PrintTraining(BenchReport r, List<BenchRow> rows)
    {
        Console.WriteLine("MACs/ACs: cost model (docs/costs.md accounting), dense; ACs@rates scale spike-driven products by the measured firing rates. "
            + "Peak(model) = retained + earlier blocks' outputs + encoded input + state + backward transient; "
            + "ratio = peak / (model + runtime overhead of a tiny step); RSS = the resident high-water figure of the same steps.");
        Console.WriteLine($"{"workload",-4} {"mode",-9} {"median",8} {"min",8} {"max",8} {"samp/s",8} {"peak MiB",9} {"RSS MiB",8} {"model MiB",9} "
            + $"{"ratio",6} {"retain MiB",10} {"GMACs",8} {"GACs",8} {"GACs@r",8} {"GFLOP/s",8} {"%peak",6}");
        foreach (var x in rows)
            Console.WriteLine($"{x.Workload,-4} {x.Mode,-9} {x.MedianMs,8:F1} {x.MinMs,8:F1} {x.MaxMs,8:F1} {x.SamplesPerSecond,8:F1} "
                + $"{Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} {Mib(x.ModelPeakBytes),9} {Ratio(x),6} {Mib(x.RetainedBytes),10} "
                + $"{x.Macs / 1e9,8:F3} {x.Acs / 1e9,8:F3} {x.AcsAtFiringRates / 1e9,8:F3} {x.Gflops,8:F2} "
                + $"{(r.GemmPeakGflops > 0 ? 100 * x.Gflops / r.GemmPeakGflops : 0),6:F1}");
        Console.WriteLine("GFLOP/s: dense-equivalent (2 flops per MAC or AC of the cost model) per second of a step; above 100 % of the GEMM peak "
            + "the kernels did fewer operations than counted (oneDNN's Winograd 3×3 convolutions: W3's conv layers reach ~350 dense-equivalent GFLOP/s "
            + "against a ~210 GFLOP/s torch.mm here).");
        foreach (var g in rows.GroupBy(x => x.Workload))
            Console.WriteLine($"firing rates {g.Key} (per stage, readout 0): {string.Join(" ", g.First().FiringRates.Select(v => v.ToString("F3")))}");
    }

    // W4: one Linear(n, n) + LIF layer, forward + backward without an optimizer; ms per step, no cost-model columns.
    private static void PrintLayers(BenchReport r, List<BenchRow> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{LayerWorkload.Id} {LayerWorkload.Name}: Linear(n, n) + LIF on randn(T, batch, n), forward + backward, no optimizer (ms per step)");
        Console.WriteLine($"{"n",-8} {"T",5} {"batch",5} {"fwd",8} {"bwd",8} {"median",8} {"min",8} {"max",8} "
            + $"{"peak MiB",9} {"RSS MiB",8} {"GFLOP/s",8} {"%peak",6} {"rate",6}");
        foreach (var x in rows)
        {
            var share = r.GemmPeakGflops > 0 ? 100 * x.Gflops / r.GemmPeakGflops : 0;
            Console.WriteLine($"{x.Plan,-8} {x.TimeSteps,5} {x.Batch,5} {x.ForwardMs,8:F1} {x.BackwardMs,8:F1} {x.MedianMs,8:F1} {x.MinMs,8:F1} {x.MaxMs,8:F1} "
                + $"{Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} {x.Gflops,8:F2} {share,6:F1} {x.FiringRates.FirstOrDefault(double.NaN),6:F3}");
        }
    }
}
