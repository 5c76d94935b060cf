using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Snn.Benchmarks;
using Snn.Layers;
using Snn.Measurement;
using Snn.Training;
using TorchSharp;

namespace Snn.Cli;

/// <summary>
/// `snn bench`: workloads W1–W3 × modes, and on request W4 per size n (docs/workloads.md). Timing and memory need different
/// allocator settings (the MALLOC_* tuning of docs/toolchain.md keeps freed memory resident, which would
/// inflate the peak), so the command re-executes itself twice: a memory run without the variables and
/// a timing run with them; `--phase time|memory` runs one of them in-process.
/// </summary>
internal static class BenchCommand
{
    public const string Description = """
        Time training steps of the benchmark workloads (median/min/max ms, samples/s, GFLOP/s against this machine's
        measured fp32 GEMM peak), measure the peak memory of one step (exact allocation counter via LD_PRELOAD, and
        VmHWM beside it) and print the cost model's peak, retained bytes, MACs and ACs next to it. W4 (--workloads W4) times
        the open neuromorphic harness's Linear(n, n) + LIF layer, forward and backward, per size n. Re-executes itself:
        a memory run without and a timing run with the MALLOC_* tuning; prints one line per row as it goes.
        """;

    /// <summary>Runs `snn bench ARGS` (the same parsing, messages and exit codes as the command line).</summary>
    public static int Run(string[] args) => Cli.Run(["bench", .. args]);

    /// <summary>The parsed options of `snn bench`.</summary>
    internal sealed record Settings(
        IReadOnlyList<Workload> Workloads, IReadOnlyList<string> Modes, int Steps, int Warmup, int? Threads,
        string? Json, bool Force, bool Sweep, string? Phase, string? Compare = null, string Device = "cpu", int? Recompute = null, string Precision = "float32",
        IReadOnlyList<LayerWorkload>? Layers = null, IReadOnlyList<int>? TimeSteps = null, bool CompareAcrossCpus = false,
        BenchInput Input = BenchInput.PerStep, bool ChannelsLast = false, int? SynapseChunk = null)
    {
        /// <summary>The library's setup of every row.</summary>
        public BenchSetup Setup => new(Recompute, Precision, Input, ChannelsLast ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Planar, SynapseChunk);

        /// <summary>W4's rows (one per n), empty when W4 was not asked for.</summary>
        public IReadOnlyList<LayerWorkload> LayerWorkloads => Layers ?? [];
    }

    public static Command Create()
    {
        var workloads = CliSupport.List("--workloads", "workload", $"comma-separated workloads: {Workloads}; W4 runs only when named",
            Workload.All.Select(w => w.Id),
            IsWorkload, Workloads);
        workloads.Aliases.Add("--workload");
        workloads.CompletionSources.Add([.. Workload.All.Select(w => w.Id), LayerWorkload.Id]);
        var w4Sizes = CliSupport.PositiveIntList("--w4-n", $"W4's sizes n, comma-separated (default {string.Join(',', LayerWorkload.DefaultSizes)})");
        var w4Steps = CliSupport.OptionalInt("--w4-t", $"W4's time steps T (default {LayerWorkload.DefaultTimeSteps})", min: 1);
        var w4Batch = CliSupport.OptionalInt("--w4-batch", $"W4's batch (default {LayerWorkload.DefaultBatch})", min: 1);
        var timeSteps = CliSupport.PositiveIntList("--time-steps",
            "memory against T: peak step memory of every workload × mode at each T of the list (e.g. 5,10,20,40; the modes' K and k "
            + "follow T), measured vs cost model, with the least-squares slope in MiB per step and the growth over the range");
        timeSteps.HelpName = "LIST";
        var modes = CliSupport.List("--modes", "mode",
            $"comma-separated modes: {string.Join(", ", Workload.Modes)} (BPTT; K = T/5; K = T/5 with B = 1; the default), "
            + $"or the related methods {string.Join(", ", Workload.RelatedModes)} (docs/method.md)",
            Workload.Modes, Workload.AllModes.Contains, string.Join(", ", Workload.AllModes));
        modes.CompletionSources.Add(Workload.AllModes.ToArray());
        var steps = CliSupport.Int("--steps", "timed steps per row", 20, min: 1);
        var warmup = CliSupport.Int("--warmup", "untimed warm-up steps per row", 10, min: 0);
        var threads = CliSupport.OptionalInt("--threads",
            "torch threads (default: TorchSharp's; fewer avoid OpenMP barrier stalls on a loaded machine)", min: 1);
        var json = new Option<string?>("--json") { Description = "also write the report as JSON to FILE (an existing FILE needs --force)", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "replace an existing --json FILE" };
        var compare = new Option<string?>("--compare")
        {
            Description = "print this run's median time and peak memory as ratios of an earlier `snn bench --json` FILE",
            HelpName = "FILE",
        };
        var acrossCpus = new Option<bool>("--compare-across-cpus")
        {
            Description = "let --compare take a FILE made on another CPU model (its ratios then measure the machines too)",
        };
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
        var precision = CliSupport.Choice("--precision",
            "the synapses' arithmetic: float32, or bf16 (mixed precision: conv/linear in bfloat16, everything else float32; docs/precision.md)",
            "PRECISION", "float32", Snn.Experiments.ExperimentConfig.Precisions);
        var input = CliSupport.Choice("--input",
            "where W1–W3's input is encoded: per-step (a fresh seeded draw inside every step, counted in its time and memory, as in "
            + "training) or once (one draw before the steps, reused by every step, as plain PyTorch benchmark loops do: "
            + "compare with them this way; the model column then leaves the encoded input out)",
            "WHERE", "per-step", ["per-step", "once"]);
        var channelsLast = new Option<bool>("--channels-last")
        {
            Description = "run the convolutions channels-last (SpikingNetwork.ConvolutionLayout, docs/channels-last.md): on the CPU less time "
                + "and memory; gradients equal the planar ones up to float32 rounding, so the numbers are not the default's bitwise",
        };
        var synapseChunk = CliSupport.OptionalInt("--synapse-chunk",
            "run each pooling stage's synapse and pooling at most C samples (time steps × batch) a call (SpikingNetwork.SynapseChunk, "
            + "docs/method.md): a conv window's output and its gradient exist one chunk at a time; exact, float32 weight gradients differ by "
            + "rounding", min: 1);
        synapseChunk.HelpName = "C";
        var sweep = new Option<bool>("--sweep")
        {
            Description = "memory only, over a grid of K (T, T/2, T/5, 1) and B (all, half, 1) per workload: "
                + "the validation of the cost model's peak step memory against the measurement",
        };
        var recompute = CliSupport.OptionalInt("--recompute",
            "recomputation: re-run each window's forward in backward in segments of S steps "
            + "(TrainerOptions.RecomputeSegment; less memory, more time; the model columns ignore it); W4: the layer recomputes its "
            + "window itself, S steps at a time (Stage.RecomputeSegment)", min: 1);
        recompute.HelpName = "S";
        // Internal: the re-executed child runs one phase in-process and writes its report to --json.
        var phase = new Option<string?>("--phase") { Description = "internal: run one phase in-process", Hidden = true };
        phase.AcceptOnlyFromAmong("time", "memory", "sweep");
        var command = new Command("bench", Description)
        {
            workloads, modes, steps, warmup, threads, json, force, sweep, phase, compare, acrossCpus, device, recompute, precision, w4Sizes, w4Steps,
            w4Batch, timeSteps, input, channelsLast, synapseChunk,
        };
        command.SetAction(r => CliSupport.Guarded("snn bench", () =>
        {
            var names = CliSupport.Split(r.GetValue(workloads));
            var (sizes, t, batch) = (CliSupport.IntList(r.GetValue(w4Sizes)), r.GetValue(w4Steps), r.GetValue(w4Batch));
            var layers = names.Any(LayerWorkload.Matches) ? LayerWorkload.For(sizes, t, batch) : null;
            if (layers is null && (sizes is not null ? "--w4-n" : t is not null ? "--w4-t" : batch is not null ? "--w4-batch" : null) is { } stray)
                throw new UsageException($"{stray} sets workload W4, which is not in --workloads; add W4 (e.g. --workloads W4).");
            return Execute(new Settings(
                names.Where(w => !LayerWorkload.Matches(w)).Select(Workload.Parse).ToList(), CliSupport.Split(r.GetValue(modes)).ToList(),
                r.GetValue(steps), r.GetValue(warmup), r.GetValue(threads), r.GetValue(json), r.GetValue(force), r.GetValue(sweep), r.GetValue(phase),
                r.GetValue(compare), DeviceName.Parse(r.GetValue(device))!, r.GetValue(recompute), r.GetValue(precision)!, layers,
                CliSupport.IntList(r.GetValue(timeSteps)), r.GetValue(acrossCpus),
                r.GetValue(input) == "once" ? BenchInput.Once : BenchInput.PerStep, r.GetValue(channelsLast), r.GetValue(synapseChunk)));
        }));
        return command;
    }

    // Memory vs T measures training steps of W1–W3 on the host: no W4, sweep, comparison or other device; a line needs two T.
    private static void CheckTimeSteps(Settings s, IReadOnlyList<int> timeSteps)
    {
        if (timeSteps.Distinct().Count() != timeSteps.Count)
            throw new UsageException($"--time-steps {string.Join(',', timeSteps)}: each T once, e.g. 5,10,20,40.");
        if (timeSteps.Count < 2)
            throw new UsageException($"--time-steps {string.Join(',', timeSteps)}: give at least two T (the slope is a line through them), e.g. 5,10,20,40.");
        if (s.LayerWorkloads.Count > 0)
            throw new UsageException("--time-steps measures the training plans of W1–W3; W4 has its own --w4-t (leave W4 out of --workloads).");
        if (s.Sweep) throw new UsageException("--time-steps and --sweep are two memory runs; choose one.");
        if (s.Compare is not null) throw new UsageException("--time-steps measures memory only; --compare compares timing runs (leave it out).");
        if (s.Device != "cpu") throw new UsageException($"--time-steps measures host memory, which a --device {s.Device} step does not use; use --device cpu.");
    }

    private static readonly string Workloads = string.Join(", ", Workload.All.Select(w => $"{w.Id} ({w.Name})")
        .Append($"{LayerWorkload.Id} ({LayerWorkload.Name}, Linear(n, n) + LIF, forward + backward)"));

    private static bool IsWorkload(string name) => LayerWorkload.Matches(name)
        || Workload.All.Any(x => x.Id.Equals(name, StringComparison.OrdinalIgnoreCase) || x.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static int Execute(Settings s)
    {
        var (workloads, modes, json) = (s.Workloads.ToList(), s.Modes.ToList(), s.Json);
        if (workloads.Count == 0 && s.LayerWorkloads.Count == 0) throw new UsageException("--workloads is empty; expected e.g. W1,W2.");
        if (s.LayerWorkloads.Count > 0 && s.Sweep)
            throw new UsageException("--sweep covers the training plans of W1–W3; W4 has none (leave W4 out of --workloads).");
        if (s.LayerWorkloads.Count > 0 && s.Recompute is not null && s.Precision != "float32")
            throw new UsageException($"--recompute with W4 needs --precision float32: the layer recomputes its window itself only in full precision "
                + $"(got --precision {s.Precision}; leave W4 out of --workloads or drop --recompute).");
        if (modes.Count == 0) throw new UsageException("--modes is empty; expected e.g. bptt,tt-local.");
        if (s.TimeSteps is { } ts) CheckTimeSteps(s, ts);
        var cpu = s.Device == "cpu";
        if (!cpu && !torch.cuda.is_available())
            throw new UsageException($"--device {s.Device}: CUDA is not available here (no CUDA natives in this build, or no NVIDIA driver); "
                + "build with -p:SnnTorchBackend=cuda on a machine with an NVIDIA driver (docs/gpu.md), or use --device cpu.");
        if (!cpu && s.Sweep)
            throw new UsageException($"--sweep measures host memory, which a --device {s.Device} step does not use; run the sweep with --device cpu.");
        var clock = Stopwatch.StartNew();
        if (s.Threads is { } t) torch.set_num_threads(t);   // on a loaded machine, fewer threads avoid OpenMP barrier stalls
        if (s.Phase is { } phase) return BenchChild.RunPhase(phase, s);   // in the re-executed child

        if (json is not null) CliSupport.CheckNewFile("--json", json, s.Force);
        var before = s.Compare is { } comparePath ? BenchComparison.Load(comparePath, BenchReport.Json) : null;
        if (before is not null) BenchComparison.CheckCpu(before, s.Compare!, CpuInfo.Describe(), s.CompareAcrossCpus);
        // Orchestrate: memory run without MALLOC_* tuning, timing run with it; merge. Peak memory is measured on the
        // host: a CUDA run has none to measure (MemoryMeter), so it runs no memory child.
        BenchReport report;
        if (s.TimeSteps is not null)
        {
            // Memory only: the exact counter does not depend on the machine's load, times at each T would.
            report = BenchChild.Run("memory", s, tuned: false) with { WallSeconds = clock.Elapsed.TotalSeconds };
            BenchPrinter.PrintTimeSteps(report);
            if (json is not null)
            {
                File.WriteAllText(json, JsonSerializer.Serialize(report, BenchReport.Json));
                Console.WriteLine($"wrote {json}");
            }
            return ExitCodes.Ok;
        }
        if (s.Sweep) report = BenchChild.Run("sweep", s, tuned: false) with { WallSeconds = clock.Elapsed.TotalSeconds };
        else
        {
            var memory = cpu ? BenchChild.Run("memory", s, tuned: false) : null;
            report = BenchChild.Run("time", s, tuned: true).WithMemory(memory, clock.Elapsed.TotalSeconds);
        }
        if (s.Sweep) BenchPrinter.PrintSweep(report); else BenchPrinter.Print(report);
        if (before is not null) BenchComparison.Print(report, before, s.Compare!);
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(report, BenchReport.Json));
            Console.WriteLine($"wrote {json}");
        }
        return ExitCodes.Ok;
    }
}
