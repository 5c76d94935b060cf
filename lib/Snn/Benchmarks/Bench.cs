using System.Diagnostics;
using Snn.Networks;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Measurement;
using Snn.Plans;
using Snn.Costs;
using Snn.Encoders;
using Snn.Layers;

namespace Snn.Benchmarks;

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

    /// <summary>
    /// One training step of <paramref name="trainer"/> on the workload's fixed synthetic batch. By default encoding is
    /// included as data arrives in training: direct input as a stride-0 view, event frames as a fresh seeded Bernoulli
    /// draw per step (drawn on the CPU, then copied to the trainer's device); <see cref="BenchInput.Once"/> encodes once,
    /// before the first step, and every step reuses that input. The step ends with the batch's one read of its
    /// statistics, so on a GPU it returns only when its kernels have run.
    /// </summary>
    public static Action Step(Trainer trainer, Workload workload, int seed = 0, BenchInput input = BenchInput.PerStep)
    {
        var encoder = workload.Encoder((ulong)seed);
        var (images, labels) = workload.SyntheticBatch(seed);
        if (trainer.Device.type != DeviceType.CPU) (images, labels) = (images.to(trainer.Device), labels.to(trainer.Device));
        var encoded = input == BenchInput.Once ? encoder.Encode(images, trainer.Plan.TimeSteps) : null;
        return () =>
        {
            using var scope = torch.NewDisposeScope();
            trainer.TrainStep(encoded ?? encoder.Encode(images, trainer.Plan.TimeSteps), labels);
        };
    }

    /// <summary>Times <paramref name="steps"/> training steps after <paramref name="warmup"/> untimed ones; milliseconds per step.</summary>
    public static double[] TimeSteps(Trainer trainer, Workload workload, int warmup, int steps, int seed = 0, BenchInput input = BenchInput.PerStep)
    {
        var step = Step(trainer, workload, seed, input);
        for (var i = 0; i < warmup; i++) step();
        var times = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            step();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    /// <summary>
    /// Peak extra memory of one training step by every method available (<see cref="StepMemoryProbe"/>): the median over
    /// <paramref name="repeats"/> steps after <paramref name="warmup"/> steps, so that optimizer state already exists.
    /// For the resident figure run without the MALLOC_* tuning variables: they keep freed memory resident. Steps on a
    /// device that cannot be measured (CUDA) run unmeasured: the reading is empty.
    /// </summary>
    public static MemoryReading PeakStepBytes(Trainer trainer, Workload workload, int warmup = 2, int repeats = 3, int seed = 0,
        BenchInput input = BenchInput.PerStep) =>
        StepMemoryProbe.Measure(Step(trainer, workload, seed, input), warmup, repeats, trainer.Device);

    /// <summary>
    /// One W4 step (<see cref="LayerWorkload.Step"/>) whose gradients are then dropped, as the harness's
    /// zero_grad(set_to_none=True) does: every step allocates them anew. Returns forward and backward milliseconds; on a
    /// GPU each part ends with a synchronisation, so it returns only when its kernels have run.
    /// </summary>
    public static Func<(double ForwardMs, double BackwardMs)> LayerStep(Stage layer, Tensor input)
    {
        var cuda = input.device.type == DeviceType.CUDA;
        return () =>
        {
            using var scope = torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var forward = 0.0;
            LayerWorkload.Step(layer, input, () =>
            {
                if (cuda) torch.cuda.synchronize(input.device);
                forward = clock.Elapsed.TotalMilliseconds;
            });
            if (cuda) torch.cuda.synchronize(input.device);
            var total = clock.Elapsed.TotalMilliseconds;
            layer.zero_grad(set_to_none: true);
            return (forward, total - forward);
        };
    }

    /// <summary>Times <paramref name="steps"/> W4 steps after <paramref name="warmup"/> untimed ones: forward and backward ms per step.</summary>
    public static (double[] Forward, double[] Backward) TimeLayerSteps(Stage layer, Tensor input, int warmup, int steps)
    {
        var step = LayerStep(layer, input);
        for (var i = 0; i < warmup; i++) step();
        var (forward, backward) = (new double[steps], new double[steps]);
        for (var i = 0; i < steps; i++) (forward[i], backward[i]) = step();
        return (forward, backward);
    }

    /// <summary>Peak extra memory of one W4 step by every method available, as <see cref="PeakStepBytes"/> measures a training step.</summary>
    public static MemoryReading PeakLayerStepBytes(Stage layer, Tensor input, int warmup = 2, int repeats = 3)
    {
        var step = LayerStep(layer, input);
        return StepMemoryProbe.Measure(() => step(), warmup, repeats, input.device);
    }

    /// <summary>
    /// Measured peak step memory next to the cost model's, plan by plan, on <paramref name="network"/> (trained a few
    /// steps by each plan in turn, as a sweep does) with the workload's batch: what `snn bench --sweep` and the cost
    /// notebook report.
    /// </summary>
    public static List<PlanMemory> MeasuredVsModel(Workload workload, SpikingNetwork network, IEnumerable<TrainingPlan> plans, int seed = 0, int warmup = 2,
        int repeats = 3)
    {
        var stages = network.Describe();
        var result = new List<PlanMemory>();
        foreach (var plan in plans)
        {
            var trainer = new Trainer(network, plan, new TrainerOptions { BatchSize = workload.Batch, MeasureMemory = false });
            var measured = PeakStepBytes(trainer, workload, warmup, repeats, seed).Best;
            result.Add(new PlanMemory(plan, measured, CostModel.Estimate(stages, plan, workload.Batch, workload.CostOptions()).PeakStepBytes));
        }
        return result;
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
        var encoder = new DirectEncoder();
        return StepMemoryProbe.Measure(() =>
        {
            using var step = torch.NewDisposeScope();
            trainer.TrainStep(encoder.Encode(images, 1), labels);
        }, warmup: 2, repeats: repeats);
    }

    /// <summary>The fp32 GEMM rate of <paramref name="device"/> (default: the CPU) in GFLOP/s: best of a few timed n×n torch.mm.</summary>
    public static double GemmPeakGflops(int n = 2048, int repeats = 5, Device? device = null)
    {
        device ??= torch.CPU;
        var cuda = device.type == DeviceType.CUDA;
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(n, n, device: device);
        var b = torch.rand(n, n, device: device);
        torch.mm(a, b);
        if (cuda) torch.cuda.synchronize(device);   // kernels are queued: time until they have run
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            using var inner = torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            torch.mm(a, b);
            if (cuda) torch.cuda.synchronize(device);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>True when the MALLOC_* tuning of docs/toolchain.md is set in this process.</summary>
    public static bool MallocTuned => Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is not null;

    /// <summary>The MALLOC_* variables for timing runs (docs/toolchain.md, docs/workloads.md).</summary>
    public static IReadOnlyDictionary<string, string> MallocTuning { get; } = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "33554432",
        ["MALLOC_TRIM_THRESHOLD_"] = "1073741824",
        ["MALLOC_TOP_PAD_"] = "268435456",
        ["MALLOC_MMAP_MAX_"] = "0",
    };
}
