using System.Runtime.InteropServices;
using Snn.Measurement;

namespace Snn.Cli;

/// <summary>
/// Makes `snn train` and `snn sweep` measure step memory with the exact allocation counter (libsnn_memcount.so), which
/// only counts when it is preloaded: the process replaces itself (execve: same pid, so signals and kill -9 still reach
/// the run) with LD_PRELOAD set. Without the library, off Linux, or with SNN_MEMCOUNT=0, nothing happens and the meter
/// falls back to VmHWM.
/// </summary>
internal static class ExactMemoryCounter
{
    public const string Switch = "SNN_MEMCOUNT";
    private const string Guard = "SNN_MEMCOUNT_EXEC";

    /// <summary>Re-executes this process with the counter preloaded when <paramref name="args"/> runs training; returns only if it did not.</summary>
    public static void EnsureLoaded(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("train" or "sweep") || args.Contains("--help") || args.Contains("-h")) return;
        if (!OperatingSystem.IsLinux() || MemoryMeter.HasAllocatorCounter) return;
        if (Environment.GetEnvironmentVariable(Switch) == "0" || Environment.GetEnvironmentVariable(Guard) == "1") return;
        if (MemoryMeter.CounterLibraryPath is not { } counter || !File.Exists("/proc/self/cmdline")) return;

        // The exact argv of this process (the apphost, or dotnet with the dll), so the new image runs the same command.
        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key is not ("LD_PRELOAD" or Guard))
            .Select(e => $"{e.Key}={e.Value}").ToList();
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        environment.Add($"LD_PRELOAD={(string.IsNullOrEmpty(preload) ? counter : $"{counter}:{preload}")}");
        environment.Add($"{Guard}=1");
        if (Environment.GetEnvironmentVariable("SNN_DEBUG") is { Length: > 0 })
            Console.Error.WriteLine($"snn: re-executing with {counter}: [{string.Join("] [", argv)}]");
        Console.Out.Flush();
        _ = Execve("/proc/self/exe", [.. argv, null], [.. environment, null]);
        // execve returned: it failed; carry on without the counter.
    }

    // LPStr is UTF-8 on Unix.
    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] envp);
}
