using System.Diagnostics;
using Snn.Costs;
using Snn.Layers;
using Snn.Measurement;
using Snn.Plans;
using Snn.Training;
using TorchSharp;

namespace Snn.Benchmarks;

/// <summary>
/// The phases of `snn bench` (docs/workloads.md), each one report: the timing run, the memory run and the memory sweep
/// over K and B. Timing and memory need different allocator settings (MALLOC_* tuning keeps freed memory resident), so
/// the command runs each phase in its own process. Each method's log gets the progress lines as they happen.
/// </summary>
public static class BenchRun
{
    /// <summary>
    /// Times every workload × mode on <paramref name="device"/>: <paramref name="warmup"/> untimed and <paramref name="steps"/>
    /// timed training steps each. <paramref name="openMp"/> is the OpenMP setting to log (chosen before libtorch loaded).
    /// </summary>
    public static BenchReport Time(IReadOnlyList<Workload> workloads, IReadOnlyList<string> modes, int warmup, int steps, string device,
        BenchSetup setup, string openMp, Action<string> log, IReadOnlyList<LayerWorkload>? layers = null)
    {
        var on = new torch.Device(device);
        var clock = Stopwatch.StartNew();
        var gemm = Bench.GemmPeakGflops(device: on);
        log($"[bench] {device}: fp32 GEMM peak {gemm:F1} GFLOP/s ({torch.get_num_threads()} threads); "
            + $"MALLOC_* tuning {(Bench.MallocTuned ? "on" : "OFF (timings may swing)")}; OpenMP {openMp}");
        var rows = new List<BenchRow>();
        foreach (var w in workloads)
            foreach (var mode in modes)
            {
                using var scope = torch.NewDisposeScope();
                var (trainer, rates) = Setup(w, w.Plan(mode), setup, on);
                var times = Bench.TimeSteps(trainer, w, warmup, steps, input: setup.Input);
                var row = Row(w, mode, w.Plan(mode), times, null, rates, setup);
                log($"[bench] {w.Id} {mode}: median {row.MedianMs:F1} ms");
                rows.Add(row);
            }
        foreach (var w in layers ?? [])
        {
            using var scope = torch.NewDisposeScope();
            var (layer, layerInput, rate) = SetupLayer(w, setup, on);
            using (layer)
            {
                var (forward, backward) = Bench.TimeLayerSteps(layer, layerInput, warmup, steps);
                var row = LayerRow(w, forward, backward, null, rate, setup.Recompute);
                log($"[bench] {LayerWorkload.Id} {w.Plan}: median {row.MedianMs:F1} ms (forward {row.ForwardMs:F1}, backward {row.BackwardMs:F1})");
                rows.Add(row);
            }
        }
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), gemm, Bench.MallocTuned, "", warmup, steps, rows, clock.Elapsed.TotalSeconds,
            device, setup.Recompute, setup.Precision,
            CpuInfo.Describe(), SynapseKernelPolicy.For(torch.device(device)).Describe(), LibraryVersions.Describe(), setup.InputLabel, setup.LayoutLabel,
            setup.SynapseChunk, TieredCompilation.Enabled);
    }

    /// <summary>The memory run: peak step memory of every workload × mode (on the CPU, where it can be measured).</summary>
    public static BenchReport Memory(IReadOnlyList<Workload> workloads, IReadOnlyList<string> modes, BenchSetup setup, Action<string> log,
        IReadOnlyList<LayerWorkload>? layers = null) =>
        MemoryOf(workloads.SelectMany(w => modes.Select(m => (w, m, w.Plan(m)))), setup, log, layers ?? []);

    /// <summary>The memory sweep: peak step memory over each workload's grid of K and B (<see cref="Workload.SweepPlans"/>), mode "sweep".</summary>
    public static BenchReport Sweep(IReadOnlyList<Workload> workloads, BenchSetup setup, Action<string> log) =>
        MemoryOf(workloads.SelectMany(w => w.SweepPlans().Select(p => (w, "sweep", p))), setup, log, []);

    /// <summary>
    /// Memory against T: peak step memory of every workload × mode at each of <paramref name="timeSteps"/>, the workload run
    /// at that T (<c>w with { TimeSteps = t }</c>, so the modes' K and SLTT-K's k follow T); one row per (workload, mode, T).
    /// </summary>
    public static BenchReport MemoryOverTimeSteps(IReadOnlyList<Workload> workloads, IReadOnlyList<string> modes, IReadOnlyList<int> timeSteps,
        BenchSetup setup, Action<string> log) =>
        MemoryOf(workloads.SelectMany(w => modes.SelectMany(m => timeSteps.Select(t => w with { TimeSteps = t }).Select(wt => (wt, m, wt.Plan(m))))),
            setup, log, []);

    // The rows: each workload (at its T), mode label and plan.
    private static BenchReport MemoryOf(IEnumerable<(Workload W, string Mode, TrainingPlan Plan)> runs, BenchSetup setup,
        Action<string> log, IReadOnlyList<LayerWorkload> layers)
    {
        var clock = Stopwatch.StartNew();
        var rows = new List<BenchRow>();
        var overhead = Bench.RuntimeOverheadBytes();
        log($"[bench] runtime overhead of a step (tiny network): {MemoryMeter.Format(overhead.Best)} "
            + $"({MemoryMeter.Format(overhead.ResidentPeakBytes)} resident)");
        foreach (var (w, mode, plan) in runs)
        {
            using var scope = torch.NewDisposeScope();
            var (trainer, rates) = Setup(w, plan, setup);
            var peak = Bench.PeakStepBytes(trainer, w, input: setup.Input);
            var row = Row(w, mode, plan, [], peak.Best, rates, setup);
            rows.Add(row with { ResidentPeakBytes = peak.ResidentPeakBytes, OverheadBytes = overhead.Best ?? 0 });
            log($"[bench] {w.Id} {plan}: peak step {MemoryMeter.Format(peak.Best)} ({MemoryMeter.Format(peak.ResidentPeakBytes)} resident)");
        }
        foreach (var w in layers)
        {
            using var scope = torch.NewDisposeScope();
            var (layer, layerInput, rate) = SetupLayer(w, setup, torch.CPU);
            using (layer)
            {
                var peak = Bench.PeakLayerStepBytes(layer, layerInput);
                var row = LayerRow(w, [], [], peak.Best, rate, setup.Recompute);
                rows.Add(row with { ResidentPeakBytes = peak.ResidentPeakBytes, OverheadBytes = overhead.Best ?? 0 });
                log($"[bench] {LayerWorkload.Id} {w.Plan}: peak step {MemoryMeter.Format(peak.Best)} ({MemoryMeter.Format(peak.ResidentPeakBytes)} resident)");
            }
        }
        var method = $"{MemoryMeter.MethodDescription}; median of 3 steps after 2 warm-up steps; no MALLOC_* tuning";
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), 0, Bench.MallocTuned, method, 2, 3, rows, clock.Elapsed.TotalSeconds,
            Recompute: setup.Recompute, Precision: setup.Precision,
            Cpu: CpuInfo.Describe(), Kernels: SynapseKernelPolicy.Cpu.Describe(), Libtorch: LibraryVersions.Describe(), Input: setup.InputLabel,
            ConvolutionLayout: setup.LayoutLabel, SynapseChunk: setup.SynapseChunk, TieredCompilation: TieredCompilation.Enabled);
    }

    // The cost model's dense and firing-rate-scaled counts beside the measured times (ms per step) and peak; event frames
    // encoded once live outside the step, so the model's peak leaves them out (direct input allocates nothing either way).
    private static BenchRow Row(Workload w, string mode, TrainingPlan plan, double[] times, long? peak, double[] rates, BenchSetup setup)
    {
        var stages = w.Build().Describe();
        var input = setup.Input;
        CostOptions Options(CostOptions o) => o with { SynapseChunk = setup.SynapseChunk, ConvolutionLayout = setup.Layout };
        var dense = CostModel.Estimate(stages, plan, w.Batch, Options(w.CostOptions()));
        var sparse = CostModel.Estimate(stages, plan, w.Batch, Options(w.CostOptions(rates)));
        var sorted = times.Order().ToArray();
        var median = Median(times);
        return new BenchRow(w.Id, mode, plan.ToString(), w.Batch, w.TimeSteps,
            median, sorted.FirstOrDefault(double.NaN), sorted.LastOrDefault(double.NaN), w.Batch / (median / 1000),
            peak, dense.PeakStepBytes - (input == BenchInput.Once && w.IsEvent ? dense.EncodedInputBytes : 0), dense.RetainedActivationBytes,
            dense.PersistentBytes,
            dense.Macs, dense.Acs, sparse.Acs, ExecutedFlops(dense, w) / (median / 1000) / 1e9, rates);
    }

    // W4: forward and backward times per step (total = their sum); the cost model does not model it (NaN), the MACs are its GEMMs'
    // (with recomputation the kernels run the forward product twice).
    private static BenchRow LayerRow(LayerWorkload w, double[] forward, double[] backward, long? peak, double rate, int? recompute)
    {
        var executedFlops = 2 * w.Macs * (recompute is null ? 1.0 : 1.5);
        var total = forward.Zip(backward, (f, b) => f + b).Order().ToArray();
        var median = Median(total);
        return new BenchRow(LayerWorkload.Id, LayerWorkload.Mode, w.Plan, w.Batch, w.TimeSteps,
            median, total.FirstOrDefault(double.NaN), total.LastOrDefault(double.NaN), w.Batch / (median / 1000),
            peak, double.NaN, double.NaN, w.ParameterBytes, w.Macs, 0, 0, executedFlops / (median / 1000) / 1e9, [rate],
            ForwardMs: Median(forward), BackwardMs: Median(backward));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// W4's seeded layer on <paramref name="device"/> (synapse precision as asked; the setup's recompute segment is the
    /// layer's <see cref="Stage.RecomputeSegment"/>), its input and firing rate. The caller's scope owns the input; the
    /// caller disposes the layer.
    /// </summary>
    private static (Stage Layer, torch.Tensor Input, double Rate) SetupLayer(LayerWorkload w, BenchSetup setup, torch.Device device)
    {
        var layer = w.Build();
        if (setup.Precision == "bf16") layer.Precision = SynapsePrecision.BFloat16;
        layer.RecomputeSegment = setup.Recompute;
        layer.to(device);
        var input = w.Input().to(device);
        return (layer, input, LayerWorkload.FiringRate(layer, input));
    }

    /// <summary>
    /// Flops the kernels execute: 2 per MAC or AC (spike products run as dense GEMMs), except that a constant
    /// (direct-encoded) input makes layer 1's forward and weight gradient run once per window, not per step.
    /// </summary>
    private static double ExecutedFlops(CostReport dense, Workload w)
    {
        if (w.IsEvent) return dense.Flops;
        var first = dense.Stages[0];
        var saved = 1 - (double)dense.Plan.WindowCount / dense.Plan.TimeSteps;
        return dense.Flops - 2 * (first.ForwardMacs + first.WeightGradientMacs) * saved;
    }

    /// <summary>
    /// The same seeded network and trainer for the timing and the memory run (the synthetic batch comes from the
    /// workload); the network is built and calibrated on the CPU, then moved to <paramref name="device"/>.
    /// </summary>
    private static (Trainer Trainer, double[] Rates) Setup(Workload w, TrainingPlan plan, BenchSetup setup, torch.Device? device = null)
    {
        var (network, rates) = Bench.Prepare(w);   // calibrated in float32 and planar: the same weights for every setup
        if (setup.Precision == "bf16") network.Precision = SynapsePrecision.BFloat16;
        network.ConvolutionLayout = setup.Layout;
        network.SynapseChunk = setup.SynapseChunk;
        var options = new TrainerOptions { BatchSize = w.Batch, MeasureMemory = false, RecomputeSegment = setup.Recompute };
        return (new Trainer(network, plan, options, device), rates);
    }
}
