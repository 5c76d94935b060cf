using System.Runtime.InteropServices;

namespace Snn.Measurement;

/// <summary>
/// The CPU model and the instruction-set flags that change libtorch's kernels (bf16/fp16 AVX-512, AMX): what a run or a
/// benchmark records so that numbers from different CPU models are never paired or compared unknowingly.
/// </summary>
public static class CpuInfo
{
    /// <summary>The flags reported: those that select different oneDNN/BLAS kernels.</summary>
    public static readonly IReadOnlyList<string> RelevantFlags = ["avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile"];

    private static readonly Lazy<(string Model, IReadOnlyList<string> Flags)> Read = new(ReadCpuInfo);

    /// <summary>"Intel(R) Xeon(R) Processor" (/proc/cpuinfo's model name), or the architecture where it is unknown.</summary>
    public static string Model => Read.Value.Model;

    /// <summary>Which of <see cref="RelevantFlags"/> the CPU has, in that order.</summary>
    public static IReadOnlyList<string> Flags => Read.Value.Flags;

    /// <summary>"Intel(R) Xeon(R) Processor (avx2 avx512f avx512_bf16 avx512_fp16)".</summary>
    public static string Describe() => Flags.Count == 0 ? Model : $"{Model} ({string.Join(' ', Flags)})";

    private static (string, IReadOnlyList<string>) ReadCpuInfo()
    {
        var fallback = RuntimeInformation.ProcessArchitecture.ToString();
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return (fallback, []);
        string? model = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (model is null && key is "model name" or "Model") model = value;
            else if (flags.Count == 0 && key is "flags" or "Features") flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (model is not null && flags.Count > 0) break;
        }
        return (string.IsNullOrWhiteSpace(model) ? fallback : model, [.. RelevantFlags.Where(flags.Contains)]);
    }
}
