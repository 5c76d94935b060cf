using System.Diagnostics;
using Snn.Layers;
using Snn.Networks;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Costs;

/// <summary>
/// A benchmark workload of ../shared/design/workloads.md: network spec, per-sample input shape, T, batch,
/// and a fixed seeded synthetic batch (analog values repeated every step, or Bernoulli event frames).
/// </summary>
public sealed record Workload(string Id, string Name, string Spec, long[] InputShape, int TimeSteps, int Batch, double? EventDensity, bool Calibrate)
{
    /// <summary>W1 mlp: 784 analog values (direct encoding), T = 25, 784-800-10, batch 128.</summary>
    public static Workload W1 { get; } = new("W1", "mlp", "FC800-FC10", [784], 25, 128, null, false);
    /// <summary>W2 conv-event: 2×34×34 event frames (p = 0.05), T = 10, 12C5-P2-64C5-P2-FC10, batch 32.</summary>
    public static Workload W2 { get; } = new("W2", "conv-event", "12C5-P2-64C5-P2-FC10", [2, 34, 34], 10, 32, 0.05, false);
    /// <summary>
    /// W3 alexnet-dvs: 2×64×64 event frames (p = 0.05), T = 10, the plain spiking AlexNet, batch 8. Its deep layers
    /// are silent with the default init, so the bench calibrates it to ~10 % firing (<see cref="Calibration.ScaleToFiringRate"/>).
    /// </summary>
    public static Workload W3 { get; } = new("W3", "alexnet-dvs", Zoo.AlexNetSpec(64, batchNorm: false), [2, 64, 64], 10, 8, 0.05, true);

    public static IReadOnlyList<Workload> All { get; } = [W1, W2, W3];

    /// <summary>The modes of workloads.md.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["bptt", "tbptt", "tt-local"];

    /// <summary>Finds a workload by id or name (case-insensitive): "W3", "alexnet-dvs".</summary>
    public static Workload Parse(string text) =>
        All.FirstOrDefault(w => w.Id.Equals(text, StringComparison.OrdinalIgnoreCase) || w.Name.Equals(text, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown workload '{text}'; expected one of {string.Join(", ", All.Select(w => $"{w.Id} ({w.Name})"))}.", nameof(text));

    public bool IsEvent => EventDensity is not null;

    /// <summary>bptt: K = T, one block; tbptt: K = T/5; tt-local: K = T/5, B = 1 (per-window and per-block updates).</summary>
    public TrainingPlan Plan(string mode) => mode switch
    {
        "bptt" => TrainingPlan.Bptt(TimeSteps),
        "tbptt" => TrainingPlan.Truncated(TimeSteps, Math.Max(1, TimeSteps / 5)),
        "tt-local" => TrainingPlan.TruncatedLocal(TimeSteps, Math.Max(1, TimeSteps / 5), 1),
        _ => throw new ArgumentException($"Unknown mode '{mode}'; expected one of {string.Join(", ", Modes)}.", nameof(mode)),
    };

    /// <summary>
    /// The memory validation grid of `snn bench --sweep`: K ∈ {T, T/2, T/5, 1} × B ∈ {all stages, half, 1} (duplicates
    /// removed), from BPTT to fully truncated-local training.
    /// </summary>
    public IReadOnlyList<TrainingPlan> SweepPlans()
    {
        var stages = Build().Stages.Count;
        var ks = new[] { TimeSteps, TimeSteps / 2, TimeSteps / 5, 1 }.Where(k => k >= 1).Distinct();
        var bs = new[] { stages, (stages + 1) / 2, 1 }.Distinct();
        return ks.SelectMany(k => bs.Select(b => b == stages
                ? (k == TimeSteps ? TrainingPlan.Bptt(TimeSteps) : TrainingPlan.Truncated(TimeSteps, k))
                : TrainingPlan.TruncatedLocal(TimeSteps, k, b)))
            .ToList();
    }

    public SpikingNetwork Build() => NetworkSpec.Build(Spec, InputShape);

    public IEncoder Encoder(ulong seed = 0) => IsEvent ? new PoissonEncoder(seed, gain: 1.0) : new DirectEncoder();

    /// <summary>The fixed batch: images [N, …] (event density for event workloads, uniform [0, 1) otherwise) and labels [N].</summary>
    public (Tensor Images, Tensor Labels) SyntheticBatch(int seed = 0)
    {
        var g = new torch.Generator((ulong)seed);
        var images = IsEvent ? torch.full([Batch, .. InputShape], EventDensity!.Value) : torch.rand([Batch, .. InputShape], generator: g);
        var labels = torch.randint(0, 10, [Batch], generator: g, dtype: ScalarType.Int64);
        return (images, labels);
    }

    /// <summary>Cost-model options matching the workload's input.</summary>
    public CostOptions CostOptions(IReadOnlyList<double>? firingRates = null) => new()
    {
        AnalogInput = !IsEvent,
        InputConstantOverTime = !IsEvent,
        InputRate = EventDensity ?? 1.0,
        FiringRates = firingRates,
    };

    public override string ToString() => $"{Id} {Name}: [{string.Join("×", InputShape)}] T={TimeSteps} {Spec} batch {Batch}";
}

/// <summary>Measurements behind `snn bench` and the cost notebook.</summary>
public static class Bench
{
    /// <summary>
    /// A seeded network for <paramref name="workload"/>; W3 is calibrated to <paramref name="targetRate"/> firing on the
    /// workload's own batch (the plain spec is silent past layer 3 otherwise). Returns the firing rate of every stage
    /// (readout 0) measured on that batch.
    /// </summary>
    public static (SpikingNetwork Network, double[] Rates) Prepare(Workload workload, int seed = 0, double targetRate = 0.1)
    {
        torch.manual_seed(seed);
        var network = workload.Build();
        using var scope = torch.NewDisposeScope();
        var (images, _) = workload.SyntheticBatch(seed);
        var input = workload.Encoder((ulong)seed).Encode(images, workload.TimeSteps);
        if (workload.Calibrate) Calibration.ScaleToFiringRate(network, input, targetRate);
        var spiking = Probes.FiringRates(network, input);
        var rates = new double[network.Stages.Count];
        for (int i = 0, j = 0; i < rates.Length; i++) rates[i] = network.Stages[i].IsSpiking ? spiking[j++] : 0;
        return (network, rates);
    }

    /// <summary>Times <paramref name="steps"/> training steps after <paramref name="warmup"/> untimed ones; milliseconds per step.</summary>
    public static double[] TimeSteps(Trainer trainer, Tensor images, Tensor labels, int warmup, int steps)
    {
        for (var i = 0; i < warmup; i++) trainer.TrainStep(images, labels);
        var times = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            trainer.TrainStep(images, labels);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    /// <summary>
    /// Peak extra memory of one training step by every method available (<see cref="MemoryMeter.MeasureBoth"/>), after
    /// <paramref name="warmup"/> steps so that optimizer state already exists; per method the minimum over
    /// <paramref name="repeats"/> steps (other threads' allocations can only add).
    /// For the resident figure run without the MALLOC_* tuning variables: they keep freed memory resident.
    /// </summary>
    public static MemoryReading PeakStepBytes(Trainer trainer, Tensor images, Tensor labels, int warmup = 2, int repeats = 3)
    {
        for (var i = 0; i < warmup; i++) trainer.TrainStep(images, labels);
        return MemoryMeter.MeasureMinBoth(() => trainer.TrainStep(images, labels), repeats);
    }

    /// <summary>
    /// The step-independent part of a measured peak: the peak of a training step of a tiny network (8 hidden
    /// neurons, batch 1, T = 1), whose tensors are negligible — what the runtime adds to any step (for the
    /// resident method: the .NET GC's allocation budget, allocator slack and libtorch's per-call scratch; for the
    /// exact counter: libtorch's and the runtime's small native allocations).
    /// </summary>
    public static MemoryReading RuntimeOverheadBytes(int repeats = 3)
    {
        torch.manual_seed(0);
        var network = NetworkSpec.Build("FC8-FC10", [4]);
        var trainer = new Trainer(network, TrainingPlan.Bptt(1), new TrainerOptions { BatchSize = 1, MeasureMemory = false });
        using var scope = torch.NewDisposeScope();
        var images = torch.rand(1, 4);
        var labels = torch.zeros([1], dtype: ScalarType.Int64);
        return PeakStepBytes(trainer, images, labels, warmup: 2, repeats: repeats);
    }

    /// <summary>This machine's fp32 GEMM rate in GFLOP/s: best of a few timed n×n torch.mm.</summary>
    public static double GemmPeakGflops(int n = 2048, int repeats = 5)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(n, n);
        var b = torch.rand(n, n);
        torch.mm(a, b);
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            using var inner = torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            torch.mm(a, b);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>True when the MALLOC_* tuning of toolchain.md is set in this process.</summary>
    public static bool MallocTuned => Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is not null;

    /// <summary>The MALLOC_* variables of ../shared/design/toolchain.md for timing runs.</summary>
    public static IReadOnlyDictionary<string, string> MallocTuning { get; } = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "33554432",
        ["MALLOC_TRIM_THRESHOLD_"] = "1073741824",
        ["MALLOC_TOP_PAD_"] = "268435456",
        ["MALLOC_MMAP_MAX_"] = "0",
    };
}
