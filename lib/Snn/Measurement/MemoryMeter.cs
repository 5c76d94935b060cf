using System.Runtime.InteropServices;
using TorchSharp;

namespace Snn.Measurement;

/// <summary>
/// Peak extra memory of a piece of work (one training step) on CPU. Two methods, best first:
/// <list type="number">
/// <item><see cref="MemoryMethod.AllocatorCounter"/>: when the process was started with
/// <c>LD_PRELOAD=&lt;dir of Snn.dll&gt;/libsnn_memcount.so</c> (<see cref="CounterLibraryPath"/>; `snn bench`,
/// ./test.sh and the notebook runner do this), the exact high-water mark of live malloc'ed bytes above the
/// live bytes before the work. libtorch's CPU allocator uses posix_memalign, so this is tensor memory plus
/// libtorch's and the runtime's small native allocations; the .NET GC heap is not included.</item>
/// <item><see cref="MemoryMethod.ResidentHighWater"/>: return freed heap to the OS (malloc_trim), reset the
/// kernel's high-water mark (write "5" to /proc/self/clear_refs), run the work, then VmHWM − RSS before.
/// Page-granular and counts everything resident (GC heap, allocator slack); without malloc_trim it is wrong.</item>
/// </list>
/// Both count every thread of the process: measure while nothing else allocates.
/// </summary>
public static class MemoryMeter
{
    private const string Status = "/proc/self/status";
    private const string ClearRefs = "/proc/self/clear_refs";

    /// <summary>File name of the allocation counter; the build puts it next to Snn.dll where gcc is available.</summary>
    public const string CounterLibraryName = "libsnn_memcount.so";

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "dlsym")]
    private static extern nint DlSym(nint handle, string symbol);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate long CounterFunction();

    private static readonly CounterFunction? CounterPeak = Counter("snn_memcount_peak");
    private static readonly CounterFunction? CounterReset = Counter("snn_memcount_reset_peak");
    private static readonly CounterFunction? CounterLive = Counter("snn_memcount_live");

    /// <summary>A counter function if libsnn_memcount.so is interposed on malloc (found in the global scope), else null.</summary>
    private static CounterFunction? Counter(string name)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var p = DlSym(0, name);   // RTLD_DEFAULT: only an LD_PRELOADed copy is found, and only that one counts
            return p == 0 ? null : Marshal.GetDelegateForFunctionPointer<CounterFunction>(p);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    /// <summary>True when the exact allocation counter is interposed on malloc in this process.</summary>
    public static bool HasAllocatorCounter => CounterPeak is not null && CounterReset is not null && CounterLive is not null;

    /// <summary>True when the resident high-water method works here (Linux with /proc/self/clear_refs).</summary>
    public static bool HasResidentHighWater { get; } = OperatingSystem.IsLinux() && File.Exists(Status) && File.Exists(ClearRefs);

    /// <summary>True when this process can measure at all.</summary>
    public static bool IsSupported => HasAllocatorCounter || HasResidentHighWater;

    /// <summary>The method <see cref="Measure(Action)"/> uses.</summary>
    public static MemoryMethod Method =>
        HasAllocatorCounter ? MemoryMethod.AllocatorCounter : HasResidentHighWater ? MemoryMethod.ResidentHighWater : MemoryMethod.Unavailable;

    /// <summary>One line naming the method, for reports.</summary>
    public static string MethodDescription => Method switch
    {
        MemoryMethod.AllocatorCounter => "exact allocation counter (libsnn_memcount.so via LD_PRELOAD): peak live malloc'ed bytes − live bytes before",
        MemoryMethod.ResidentHighWater => "Linux VmHWM − VmRSS before, after malloc_trim and a clear_refs reset (page-granular, includes the GC heap; "
                                          + $"start with LD_PRELOAD={CounterLibraryPath ?? CounterLibraryName} for the exact counter)",
        _ => "unavailable (needs Linux /proc, or the LD_PRELOADed allocation counter)",
    };

    /// <summary>Where the counter library is expected (next to Snn.dll); null if it was not built (no gcc).</summary>
    public static string? CounterLibraryPath
    {
        get
        {
            var dir = Path.GetDirectoryName(typeof(MemoryMeter).Assembly.Location);
            var path = dir is null ? null : Path.Combine(dir, CounterLibraryName);
            return path is not null && File.Exists(path) ? path : null;
        }
    }

    /// <summary>Peak resident memory of this process so far (VmHWM, Linux), or null where /proc is unavailable.</summary>
    public static long? PeakResidentBytes => File.Exists(Status) && ReadKiB("VmHWM:") is { } kib ? kib * 1024 : null;

    /// <summary>Live malloc'ed bytes now (counter only), else null.</summary>
    public static long? LiveBytes => HasAllocatorCounter ? CounterLive!() : null;

    /// <summary>Runs <paramref name="work"/> and returns its peak extra bytes (≥ 0) by the best method, or null when unsupported.</summary>
    public static long? Measure(Action work) => MeasureBoth(work).Best;

    /// <summary>
    /// Why a step on <paramref name="device"/> cannot be measured, or null when it can. CUDA: TorchSharp 0.107 binds no
    /// CUDA allocator statistics (no memory_allocated / max_memory_allocated), and host counters do not see device memory.
    /// </summary>
    public static string? UnavailableReason(torch.Device device) => device.type switch
    {
        DeviceType.CPU => IsSupported ? null : MethodDescription,
        DeviceType.CUDA => "unavailable on CUDA: TorchSharp 0.107 exposes no CUDA allocator statistics (memory_allocated, max_memory_allocated)",
        _ => $"unavailable on {device.type}: only CPU steps are measured",
    };

    /// <summary>
    /// Like <see cref="Measure(Action)"/> for work on <paramref name="device"/>: null (work still runs) where that device cannot
    /// be measured.
    /// </summary>
    public static long? Measure(torch.Device device, Action work)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (UnavailableReason(device) is not null) { work(); return null; }
        return Measure(work);
    }

    /// <summary>Runs <paramref name="work"/> once and returns the peak extra bytes by every method available.</summary>
    public static MemoryReading MeasureBoth(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var residentBefore = HasResidentHighWater ? ResetResident() : null;
        var liveBefore = HasAllocatorCounter ? CounterReset!() : (long?)null;
        work();
        long? allocator = liveBefore is { } l ? Math.Max(0, CounterPeak!() - l) : null;
        long? resident = residentBefore is { } r && ReadKiB("VmHWM:") is { } hwm ? Math.Max(0, (hwm - r) * 1024) : null;
        return new MemoryReading(allocator, resident);
    }

    /// <summary>Trims the heap and resets the high-water mark; returns the resident KiB afterwards.</summary>
    private static long? ResetResident()
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
