using System.Runtime.InteropServices;

namespace Snn.Costs;

/// <summary>
/// Peak extra resident memory of a piece of work (Linux): return freed heap to the OS (malloc_trim),
/// reset the kernel's high-water mark (write "5" to /proc/self/clear_refs), run the work, then
/// VmHWM − RSS before. Without malloc_trim the figure is wrong (freed pages stay resident).
/// Counts every allocation of the process in that interval (libtorch's CPU allocator uses malloc),
/// so run it while nothing else allocates. Null where /proc is unavailable.
/// </summary>
public static class MemoryMeter
{
    private const string Status = "/proc/self/status";
    private const string ClearRefs = "/proc/self/clear_refs";

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>True when this process can measure (Linux with a writable clear_refs).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && File.Exists(Status) && File.Exists(ClearRefs);

    /// <summary>Runs <paramref name="work"/> and returns its peak extra resident bytes (≥ 0), or null when unsupported.</summary>
    public static long? Measure(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!IsSupported) { work(); return null; }
        var before = Reset();
        if (before is null) { work(); return null; }
        work();
        var peak = ReadKiB("VmHWM:");
        return peak is null ? null : Math.Max(0, (peak.Value - before.Value) * 1024);
    }

    /// <summary>Trims the heap and resets the high-water mark; returns the resident KiB afterwards.</summary>
    private static long? Reset()
    {
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            MallocTrim(0);
            File.WriteAllText(ClearRefs, "5");
            return ReadKiB("VmRSS:");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static long? ReadKiB(string key)
    {
        foreach (var line in File.ReadLines(Status))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]);
        return null;
    }

    /// <summary>Bytes as MiB with one decimal, for summaries.</summary>
    public static string Format(long? bytes) => bytes is { } b ? $"{b / (1024.0 * 1024.0):F1} MiB" : "n/a";
}
