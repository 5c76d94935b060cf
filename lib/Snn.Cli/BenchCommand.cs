using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Snn.Costs;
using Snn.Layers;
using Snn.Training;
using TorchSharp;
using Snn.Benchmarks;
using Snn.Plans;
using Snn.Measurement;

namespace Snn.Cli;

/// <summary>One (workload, mode) row of `snn bench`.</summary>
internal sealed record BenchRow(
    string Workload, string Mode, string Plan, int Batch, int TimeSteps,
    double MedianMs, double MinMs, double MaxMs, double SamplesPerSecond,
    long? MeasuredPeakBytes, double ModelPeakBytes, double RetainedBytes, double PersistentBytes,
    double Macs, double Acs, double AcsAtFiringRates, double Gflops, double[] FiringRates,
    long? ResidentPeakBytes = null, long OverheadBytes = 0)
{
    /// <summary>Measured (exact counter where loaded) / (model + the runtime overhead of a tiny step).</summary>
    public double? PeakRatio => MeasuredPeakBytes is { } m && ModelPeakBytes > 0 ? m / (ModelPeakBytes + OverheadBytes) : null;
}

/// <summary>A `snn bench` report (the --json schema, docs/workloads.md); Device is "cpu" and Precision "float32" in reports written before they existed.</summary>
internal sealed record BenchReport(
    string Machine, int Threads, double GemmPeakGflops, bool MallocTunedForTiming, string MemoryMethod,
    int Warmup, int Steps, List<BenchRow> Rows, double WallSeconds, string Device = "cpu", int? Recompute = null, string Precision = "float32",
    string Cpu = "", string Kernels = "");

/// <summary>
/// `snn bench`: workloads W1–W3 × modes (docs/workloads.md). Timing and memory need different
/// allocator settings (the MALLOC_* tuning of docs/toolchain.md keeps freed memory resident, which would
/// inflate the peak), so the command re-executes itself twice: a memory run without the variables and
/// a timing run with them; `--phase time|memory` runs one of them in-process.
/// </summary>
internal static class BenchCommand
{
    public const string Description = """
        Time training steps of the benchmark workloads (median/min/max ms, samples/s, GFLOP/s against this machine's
        measured fp32 GEMM peak), measure the peak memory of one step (exact allocation counter via LD_PRELOAD, and
        VmHWM beside it) and print the cost model's peak, retained bytes, MACs and ACs next to it. Re-executes itself:
        a memory run without and a timing run with the MALLOC_* tuning; prints one line per row as it goes.
        """;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Runs `snn bench ARGS` (the same parsing, messages and exit codes as the command line).</summary>
    public static int Run(string[] args) => Cli.Run(["bench", .. args]);

    /// <summary>The parsed options of `snn bench`.</summary>
    internal sealed record Settings(
        IReadOnlyList<Workload> Workloads, IReadOnlyList<string> Modes, int Steps, int Warmup, int? Threads,
        string? Json, bool Force, bool Sweep, string? Phase, string? Compare = null, string Device = "cpu", int? Recompute = null, string Precision = "float32");

    public static Command Create()
    {
        var workloads = new Option<string>("--workloads")
        {
            Description = $"comma-separated workloads: {string.Join(", ", Workload.All.Select(w => $"{w.Id} ({w.Name})"))}",
            HelpName = "LIST",
            DefaultValueFactory = _ => string.Join(',', Workload.All.Select(w => w.Id)),
        };
        workloads.CompletionSources.Add(Workload.All.Select(w => w.Id).ToArray());
        workloads.Validators.Add(r =>
        {
            foreach (var w in Split(r.GetValueOrDefault<string>()))
                if (!Workload.All.Any(x => x.Id.Equals(w, StringComparison.OrdinalIgnoreCase) || x.Name.Equals(w, StringComparison.OrdinalIgnoreCase)))
                    r.AddError($"--workloads: unknown workload '{w}'; expected {string.Join(", ", Workload.All.Select(x => $"{x.Id} ({x.Name})"))}.");
        });
        var modes = new Option<string>("--modes")
        {
            Description = $"comma-separated modes: {string.Join(", ", Workload.Modes)} (BPTT; K = T/5; K = T/5 with B = 1)",
            HelpName = "LIST",
            DefaultValueFactory = _ => string.Join(',', Workload.Modes),
        };
        modes.CompletionSources.Add(Workload.Modes.ToArray());
        modes.Validators.Add(r =>
        {
            foreach (var m in Split(r.GetValueOrDefault<string>()))
                if (!Workload.Modes.Contains(m))
                    r.AddError($"--modes: unknown mode '{m}'; expected {string.Join(", ", Workload.Modes)}.");
        });
        var steps = CliSupport.Int("--steps", "timed steps per row", 20, min: 1);
        var warmup = CliSupport.Int("--warmup", "untimed warm-up steps per row", 10, min: 0);
        var threads = CliSupport.OptionalInt("--threads", "torch threads (default: TorchSharp's; fewer avoid OpenMP barrier stalls on a loaded machine)", min: 1);
        var json = new Option<string?>("--json") { Description = "also write the report as JSON to FILE (an existing FILE needs --force)", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "replace an existing --json FILE" };
        var compare = new Option<string?>("--compare") { Description = "print this run's median time and peak memory as ratios of an earlier `snn bench --json` FILE", HelpName = "FILE" };
        var device = new Option<string>("--device")
        {
            Description = "where the steps run: cpu, cuda or cuda:N (a CUDA build, docs/gpu.md); peak memory is measured on the CPU only",
            HelpName = "DEVICE",
            DefaultValueFactory = _ => "cpu",
        };
        device.Validators.Add(r =>
        {
            if (DeviceName.Parse(r.GetValueOrDefault<string>()) is null)
                r.AddError($"--device: '{r.GetValueOrDefault<string>()}' is not a device; expected {DeviceName.Expected}.");
        });
        var precision = new Option<string>("--precision")
        {
            Description = "the synapses' arithmetic: float32, or bf16 (mixed precision: conv/linear in bfloat16, everything else float32; docs/precision.md)",
            HelpName = "PRECISION",
            DefaultValueFactory = _ => "float32",
        };
        precision.AcceptOnlyFromAmong([.. Snn.Experiments.ExperimentConfig.Precisions]);
        var sweep = new Option<bool>("--sweep")
        {
            Description = "memory only, over a grid of K (T, T/2, T/5, 1) and B (all, half, 1) per workload: the validation of the cost model's peak step memory against the measurement",
        };
        var recompute = CliSupport.OptionalInt("--recompute", "recomputation: re-run each window's forward in backward in segments of S steps (TrainerOptions.RecomputeSegment; less memory, more time; the model columns ignore it)", min: 1);
        recompute.HelpName = "S";
        // Internal: the re-executed child runs one phase in-process and writes its report to --json.
        var phase = new Option<string?>("--phase") { Description = "internal: run one phase in-process", Hidden = true };
        phase.AcceptOnlyFromAmong("time", "memory", "sweep");
        var command = new Command("bench", Description) { workloads, modes, steps, warmup, threads, json, force, sweep, phase, compare, device, recompute, precision };
        command.SetAction(r => CliSupport.Guarded("snn bench", () => Execute(new Settings(
            Split(r.GetValue(workloads)).Select(Workload.Parse).ToList(), Split(r.GetValue(modes)).ToList(),
            r.GetValue(steps), r.GetValue(warmup), r.GetValue(threads), r.GetValue(json), r.GetValue(force), r.GetValue(sweep), r.GetValue(phase), r.GetValue(compare), DeviceName.Parse(r.GetValue(device))!, r.GetValue(recompute), r.GetValue(precision)!))));
        return command;
    }

    private static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int Execute(Settings s)
    {
        var (workloads, modes, json) = (s.Workloads.ToList(), s.Modes.ToList(), s.Json);
        if (workloads.Count == 0) throw new UsageException("--workloads is empty; expected e.g. W1,W2.");
        if (modes.Count == 0) throw new UsageException("--modes is empty; expected e.g. bptt,tt-local.");
        var cpu = s.Device == "cpu";
        if (!cpu && !torch.cuda.is_available())
            throw new UsageException($"--device {s.Device}: CUDA is not available here (no CUDA natives in this build, or no NVIDIA driver); build with -p:SnnTorchBackend=cuda on a machine with an NVIDIA driver (docs/gpu.md), or use --device cpu.");
        if (!cpu && s.Sweep) throw new UsageException($"--sweep measures host memory, which a --device {s.Device} step does not use; run the sweep with --device cpu.");
        var device = new torch.Device(s.Device);
        var clock = Stopwatch.StartNew();
        if (s.Threads is { } t) torch.set_num_threads(t);   // on a loaded machine, fewer threads avoid OpenMP barrier stalls
        if (s.Phase is { } phase)
        {
            var report = phase switch
            {
                "time" => TimeAll(workloads, modes, s.Warmup, s.Steps, s.Device, s.Recompute, s.Precision),
                "sweep" => MemoryAll(workloads, w => w.SweepPlans().Select(p => ("sweep", p)), s.Recompute, s.Precision),
                _ => MemoryAll(workloads, w => modes.Select(m => (m, w.Plan(m))), s.Recompute, s.Precision),
            };
            if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(report, Json));
            else if (phase == "sweep") PrintSweep(report);
            else Print(report);
            return ExitCodes.Ok;
        }

        // A results file the user already has is never replaced silently, and a bad path fails now, not after the run.
        if (json is not null)
        {
            if (Directory.Exists(json)) throw new UsageException($"--json {json} is a folder; expected a file path.");
            if (File.Exists(json) && !s.Force)
                throw new UsageException($"--json {json} exists; choose another --json path or pass --force to replace it.");
            var folder = Path.GetDirectoryName(Path.GetFullPath(json));
            if (folder is not null && !Directory.Exists(folder))
                throw new UsageException($"--json {json}: folder {folder} does not exist.");
        }
        var before = s.Compare is { } comparePath ? BenchComparison.Load(comparePath, Json) : null;
        // Orchestrate: memory run without MALLOC_* tuning, timing run with it; merge.
        if (s.Sweep)
        {
            var grid = Child("sweep", s, tuned: false) with { WallSeconds = clock.Elapsed.TotalSeconds };
            PrintSweep(grid);
            if (before is not null) BenchComparison.Print(grid, before, s.Compare!);
            if (json is not null)
            {
                File.WriteAllText(json, JsonSerializer.Serialize(grid, Json));
                Console.WriteLine($"wrote {json}");
            }
            return ExitCodes.Ok;
        }
        // Peak memory is measured on the host: a CUDA run has none to measure (MemoryMeter), so it runs no memory child.
        var memory = cpu ? Child("memory", s, tuned: false) : null;
        var time = Child("time", s, tuned: true);
        var rows = time.Rows.Select(r => memory?.Rows.FirstOrDefault(m => m.Workload == r.Workload && m.Mode == r.Mode) is { } m
            ? r with { MeasuredPeakBytes = m.MeasuredPeakBytes, ResidentPeakBytes = m.ResidentPeakBytes, OverheadBytes = m.OverheadBytes }
            : r).ToList();
        var method = memory?.MemoryMethod ?? $"not measured: {MemoryMeter.UnavailableReason(device)}";
        var merged = time with { Rows = rows, MemoryMethod = method, WallSeconds = clock.Elapsed.TotalSeconds };
        Print(merged);
        if (before is not null) BenchComparison.Print(merged, before, s.Compare!);
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(merged, Json));
            Console.WriteLine($"wrote {json}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The arguments of a child run, one list element per argument (never a joined string, so that paths with
    /// spaces survive), rebuilt from the parsed settings.
    /// </summary>
    internal static List<string> ChildArguments(Settings s, string phase, string json)
    {
        List<string> args =
        [
            "bench",
            "--workloads", string.Join(',', s.Workloads.Select(w => w.Id)),
            "--modes", string.Join(',', s.Modes),
            "--steps", s.Steps.ToString(CultureInfo.InvariantCulture),
            "--warmup", s.Warmup.ToString(CultureInfo.InvariantCulture),
        ];
        if (s.Threads is { } n) args.AddRange(["--threads", n.ToString(CultureInfo.InvariantCulture)]);
        if (s.Device != "cpu") args.AddRange(["--device", s.Device]);
        if (s.Recompute is { } segment) args.AddRange(["--recompute", segment.ToString(CultureInfo.InvariantCulture)]);
        if (s.Precision != "float32") args.AddRange(["--precision", s.Precision]);
        args.AddRange(["--phase", phase, "--json", json]);
        return args;
    }

    private static BenchReport Child(string phase, Settings s, bool tuned)
    {
        var folder = Directory.CreateTempSubdirectory($"snn-bench-{Environment.ProcessId}-");
        try
        {
            var file = Path.Combine(folder.FullName, $"{phase}.json");
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this executable to re-run the bench.");
            var info = new ProcessStartInfo(self) { UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
            foreach (var a in ChildArguments(s, phase, file)) info.ArgumentList.Add(a);
            foreach (var (k, v) in Bench.MallocTuning)
                if (tuned) info.Environment[k] = v; else info.Environment.Remove(k);
            // The memory run counts every allocation exactly with the interposed counter, where it was built.
            var counter = phase is "memory" or "sweep" ? MemoryMeter.CounterLibraryPath : null;
            if (counter is not null) info.Environment["LD_PRELOAD"] = counter;
            Console.WriteLine($"[bench] {phase} run ({(tuned ? "with" : "without")} MALLOC_* tuning{(counter is null ? "" : ", exact allocation counter")})…");
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {self} for the bench {phase} run.");
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"The bench {phase} run failed with exit code {process.ExitCode}.");
            return JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(file), Json)
                ?? throw new InvalidDataException($"The bench {phase} run wrote an empty report.");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static BenchRow Row(Workload w, string mode, TrainingPlan plan, double[] times, long? peak, double[] rates)
    {
        var stages = w.Build().Describe();
        var dense = CostModel.Estimate(stages, plan, w.Batch, w.CostOptions());
        var sparse = CostModel.Estimate(stages, plan, w.Batch, w.CostOptions(rates));
        var sorted = times.Order().ToArray();
        var median = sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new BenchRow(w.Id, mode, plan.ToString(), w.Batch, w.TimeSteps,
            median, sorted.FirstOrDefault(double.NaN), sorted.LastOrDefault(double.NaN), w.Batch / (median / 1000),
            peak, dense.PeakStepBytes, dense.RetainedActivationBytes, dense.PersistentBytes,
            dense.Macs, dense.Acs, sparse.Acs, ExecutedFlops(dense, w) / (median / 1000) / 1e9, rates);
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
    private static (Trainer Trainer, double[] Rates) Setup(Workload w, TrainingPlan plan, string precision, torch.Device? device = null, int? recompute = null)
    {
        var (network, rates) = Bench.Prepare(w);   // calibrated in float32: the same weights for both precisions
        if (precision == "bf16") network.Precision = SynapsePrecision.BFloat16;
        return (new Trainer(network, plan, new TrainerOptions { BatchSize = w.Batch, MeasureMemory = false, RecomputeSegment = recompute }, device), rates);
    }

    private static BenchReport TimeAll(List<Workload> workloads, List<string> modes, int warmup, int steps, string deviceName, int? recompute, string precision)
    {
        var device = new torch.Device(deviceName);
        var clock = Stopwatch.StartNew();
        var gemm = Bench.GemmPeakGflops(device: device);
        Console.WriteLine($"[bench] {deviceName}: fp32 GEMM peak {gemm:F1} GFLOP/s ({torch.get_num_threads()} threads); MALLOC_* tuning {(Bench.MallocTuned ? "on" : "OFF (timings may swing)")}; OpenMP {Snn.Threading.OpenMpSettings.Decision ?? "default"}");
        var rows = new List<BenchRow>();
        foreach (var w in workloads)
            foreach (var mode in modes)
            {
                using var scope = torch.NewDisposeScope();
                var (trainer, rates) = Setup(w, w.Plan(mode), precision, device, recompute);
                var times = Bench.TimeSteps(trainer, w, warmup, steps);
                var row = Row(w, mode, w.Plan(mode), times, null, rates);
                Console.WriteLine($"[bench] {w.Id} {mode}: median {row.MedianMs:F1} ms");
                rows.Add(row);
            }
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), gemm, Bench.MallocTuned, "", warmup, steps, rows, clock.Elapsed.TotalSeconds, deviceName, recompute, precision,
            CpuInfo.Describe(), SynapseKernelPolicy.For(torch.device(deviceName)).Describe());
    }

    /// <summary>Memory run: per workload, the plans of <paramref name="plansOf"/> (a mode label and its plan).</summary>
    private static BenchReport MemoryAll(List<Workload> workloads, Func<Workload, IEnumerable<(string Mode, TrainingPlan Plan)>> plansOf, int? recompute, string precision)
    {
        var clock = Stopwatch.StartNew();
        var rows = new List<BenchRow>();
        var overhead = Bench.RuntimeOverheadBytes();
        Console.WriteLine($"[bench] runtime overhead of a step (tiny network): {MemoryMeter.Format(overhead.Best)} ({MemoryMeter.Format(overhead.ResidentPeakBytes)} resident)");
        foreach (var w in workloads)
            foreach (var (mode, plan) in plansOf(w))
            {
                using var scope = torch.NewDisposeScope();
                var (trainer, rates) = Setup(w, plan, precision, recompute: recompute);
                var peak = Bench.PeakStepBytes(trainer, w);
                rows.Add(Row(w, mode, plan, [], peak.Best, rates) with { ResidentPeakBytes = peak.ResidentPeakBytes, OverheadBytes = overhead.Best ?? 0 });
                Console.WriteLine($"[bench] {w.Id} {plan}: peak step {MemoryMeter.Format(peak.Best)} ({MemoryMeter.Format(peak.ResidentPeakBytes)} resident)");
            }
        var method = $"{MemoryMeter.MethodDescription}; min of 3 steps after 2 warm-up steps; no MALLOC_* tuning";
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), 0, Bench.MallocTuned, method, 2, 3, rows, clock.Elapsed.TotalSeconds, Recompute: recompute, Precision: precision,
            Cpu: CpuInfo.Describe(), Kernels: SynapseKernelPolicy.Cpu.Describe());
    }

    /// <summary>The memory validation grid: measured vs modelled peak step memory over K and B.</summary>
    private static void PrintSweep(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"snn bench --sweep — {r.Machine}: peak step memory over K and B, measured vs cost model");
        Console.WriteLine($"memory: {r.MemoryMethod}");
        Console.WriteLine($"cpu: {r.Cpu}; kernels: {r.Kernels}");
        PrintRecompute(r);
        Console.WriteLine($"{"workload",-4} {"plan",-34} {"peak MiB",9} {"RSS MiB",8} {"model MiB",9} {"ratio",6} {"retain MiB",10}");
        foreach (var x in r.Rows)
            Console.WriteLine($"{x.Workload,-4} {x.Plan,-34} {Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} {Mib(x.ModelPeakBytes),9} {(x.PeakRatio is { } q ? q.ToString("F2") : "n/a"),6} {Mib(x.RetainedBytes),10}");
        var ratios = r.Rows.Select(x => x.PeakRatio).OfType<double>().ToList();
        if (ratios.Count > 0)
            Console.WriteLine($"agreement: measured / model from {ratios.Min():F2} to {ratios.Max():F2} over {ratios.Count} plans; {ratios.Count(q => Math.Abs(q - 1) <= 0.2)} within 20 %");
        Console.WriteLine($"sweep wall time {r.WallSeconds:F0} s");
    }

    private static void PrintRecompute(BenchReport r)
    {
        if (r.Recompute is { } segment)
            Console.WriteLine($"recompute: windows longer than {segment} steps re-run their forward in backward, {segment} steps at a time (docs/method.md); the cost model's columns (model MiB, ratio, retain MiB, MACs) do not model recomputation.");
    }

    private static string Mib(double? bytes) => bytes is { } b ? $"{b / 1048576.0:F1}" : "n/a";

    private static void Print(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"snn bench — {r.Machine}, device {r.Device}, synapses {r.Precision}, {r.Threads} threads, fp32 GEMM peak {r.GemmPeakGflops:F1} GFLOP/s; {r.Warmup} warm-up + {r.Steps} timed steps; timing with MALLOC_* tuning: {r.MallocTunedForTiming}");
        Console.WriteLine($"memory: {r.MemoryMethod}");
        Console.WriteLine($"cpu: {r.Cpu}; kernels: {r.Kernels}");
        Console.WriteLine("MACs/ACs: cost model (docs/costs.md accounting), dense; ACs@rates scale spike-driven products by the measured firing rates. Peak(model) = retained + earlier blocks' outputs + encoded input + state + backward transient; ratio = peak / (model + runtime overhead of a tiny step); RSS = the resident high-water figure of the same steps.");
        PrintRecompute(r);
        if (r.Rows.FirstOrDefault() is { OverheadBytes: > 0 } first) Console.WriteLine($"runtime overhead (measured on a tiny network): {Mib(first.OverheadBytes)} MiB");
        Console.WriteLine($"{"workload",-4} {"mode",-9} {"median",8} {"min",8} {"max",8} {"samp/s",8} {"peak MiB",9} {"RSS MiB",8} {"model MiB",9} {"ratio",6} {"retain MiB",10} {"GMACs",8} {"GACs",8} {"GACs@r",8} {"GFLOP/s",8} {"%peak",6}");
        foreach (var x in r.Rows)
            Console.WriteLine($"{x.Workload,-4} {x.Mode,-9} {x.MedianMs,8:F1} {x.MinMs,8:F1} {x.MaxMs,8:F1} {x.SamplesPerSecond,8:F1} {Mib(x.MeasuredPeakBytes),9} {Mib(x.ResidentPeakBytes),8} {Mib(x.ModelPeakBytes),9} {(x.PeakRatio is { } q ? q.ToString("F2") : "n/a"),6} {Mib(x.RetainedBytes),10} {x.Macs / 1e9,8:F3} {x.Acs / 1e9,8:F3} {x.AcsAtFiringRates / 1e9,8:F3} {x.Gflops,8:F2} {(r.GemmPeakGflops > 0 ? 100 * x.Gflops / r.GemmPeakGflops : 0),6:F1}");
        Console.WriteLine("GFLOP/s: dense-equivalent (2 flops per MAC or AC of the cost model) per second of a step; above 100 % of the GEMM peak the kernels did fewer operations than counted (oneDNN's Winograd 3×3 convolutions: W3's conv layers reach ~350 dense-equivalent GFLOP/s against a ~210 GFLOP/s torch.mm here).");
        foreach (var g in r.Rows.GroupBy(x => x.Workload))
            Console.WriteLine($"firing rates {g.Key} (per stage, readout 0): {string.Join(" ", g.First().FiringRates.Select(v => v.ToString("F3")))}");
        Console.WriteLine($"bench wall time {r.WallSeconds:F0} s");
    }
}
