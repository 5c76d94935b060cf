using System.Text.Json;
using System.Text.Json.Serialization;
using Snn.Measurement;
using TorchSharp;

namespace Snn.Benchmarks;

/// <summary>
/// A `snn bench` report (the --json schema, docs/workloads.md: field names and order are kept); Device is "cpu" and
/// Precision "float32", Input "per-step", ConvolutionLayout "planar" and SynapseChunk null in reports written before
/// they existed, Cpu, Kernels and Libtorch empty, TieredCompilation null (.NET's background recompilation, which competes
/// with libtorch's threads: <see cref="Measurement.TieredCompilation"/>).
/// </summary>
public sealed record BenchReport(
    string Machine, int Threads, double GemmPeakGflops, bool MallocTunedForTiming, string MemoryMethod,
    int Warmup, int Steps, List<BenchRow> Rows, double WallSeconds, string Device = "cpu", int? Recompute = null, string Precision = "float32",
    string Cpu = "", string Kernels = "", string Libtorch = "", string Input = "per-step", string ConvolutionLayout = "planar",
    int? SynapseChunk = null, bool? TieredCompilation = null)
{
    /// <summary>How reports are written and read: indented, NaN allowed (a memory run has no times).</summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// This timing report with the peak memory of <paramref name="memory"/> (the run without MALLOC_* tuning) row by row;
    /// without one (a CUDA run: host memory is not the device's), the method says why nothing was measured.
    /// </summary>
    public BenchReport WithMemory(BenchReport? memory, double wallSeconds)
    {
        var rows = Rows.Select(r => memory?.Rows.FirstOrDefault(m => m.Workload == r.Workload && m.Mode == r.Mode && m.Plan == r.Plan) is { } m
            ? r with { MeasuredPeakBytes = m.MeasuredPeakBytes, ResidentPeakBytes = m.ResidentPeakBytes, OverheadBytes = m.OverheadBytes }
            : r).ToList();
        var method = memory?.MemoryMethod ?? $"not measured: {MemoryMeter.UnavailableReason(new torch.Device(Device))}";
        return this with { Rows = rows, MemoryMethod = method, WallSeconds = wallSeconds };
    }
}
