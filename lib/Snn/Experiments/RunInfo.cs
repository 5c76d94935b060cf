using System.Diagnostics;
using System.Runtime.InteropServices;
using Snn.Layers;
using Snn.Measurement;
using TorchSharp;

namespace Snn.Experiments;

/// <summary>
/// What is needed to reproduce or compare a run: seed, versions, device, wall time, peak memory, how step memory was
/// measured, the CPU model with its kernel-relevant flags, and the synapse kernel decisions of this process
/// (<see cref="SynapseKernelPolicy"/>: runs on different CPU models may take different libtorch kernels), and for a run of a
/// pre-registered study the SHA-256 of its plan.json; whether .NET's tiered compilation was on (its background
/// recompilation competes with libtorch's threads for cores: <see cref="Measurement.TieredCompilation"/>; null in records
/// written before it was recorded).
/// </summary>
public sealed record RunInfo(
    string Profile, int Seed, string Snn, string TorchSharp, string Device, int Threads,
    string DotNet, string Os, string Cpu, double WallSeconds, double? PeakMemoryMiB, string StepMemoryMethod,
    string CpuModel = "", string Kernels = "", string? PlanSha256 = null, bool? TieredCompilation = null)
{
    /// <summary>Captures the current process: <paramref name="clock"/> started at the top of the notebook or run.</summary>
    public static RunInfo Capture(Profile profile, int seed, Stopwatch clock, torch.Device? device = null) => new(
        profile.ToString().ToLowerInvariant(),
        seed,
        LibraryVersions.InformationalVersion(typeof(RunInfo).Assembly),
        LibraryVersions.TorchSharp,
        (device ?? torch.CPU).ToString(),
        torch.get_num_threads(),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.ProcessArchitecture}",
        Math.Round(clock.Elapsed.TotalSeconds, 1),
        PeakResidentMiB(),
        MemoryMeter.Method.ToString(),
        CpuInfo.Describe(),
        SynapseKernelPolicy.For(device ?? torch.CPU).Describe(),
        TieredCompilation: Measurement.TieredCompilation.Enabled);

    /// <summary>Peak resident memory of this process (VmHWM, Linux); null where /proc is unavailable.</summary>
    public static double? PeakResidentMiB() =>
        MemoryMeter.PeakResidentBytes is { } bytes ? Math.Round(bytes / (1024.0 * 1024.0), 1) : null;
}
