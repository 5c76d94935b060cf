using System.Diagnostics;
using Snn.Layers;
using Snn.Networks;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Measurement;
using Snn.Plans;

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
