using System.Globalization;
using System.Runtime.InteropServices;

namespace Snn.Threading;

/// <summary>
/// Chooses how many OpenMP threads libtorch uses and how they wait between parallel regions, before libtorch loads
/// (libgomp reads OMP_WAIT_POLICY and libtorch OMP_NUM_THREADS once, when they load). By default the threads spin at
/// barriers: fastest on an idle machine, but when another process takes a core, the spinning thread and the one that
/// was descheduled stall each other (W2 BPTT steps 4–28× slower with one busy process beside them, measured). Passive
/// waiting sleeps instead, and fewer threads than cores leave the busy core alone.
/// <c>$SNN_OMP_WAIT</c>: <c>auto</c> (default: passive when other processes keep at least half a core busy while this
/// one starts), <c>active</c>, <c>passive</c>. <c>$SNN_THREADS</c>: <c>auto</c> (default: under that same load, one
/// thread fewer per core the others keep busy, at least one), or a thread count. OMP_WAIT_POLICY and OMP_NUM_THREADS set
/// by the user are left alone. The choice is taken once per process, so a run's arithmetic (which depends on the thread
/// count through libtorch's parallel reductions) does not change with the load in its middle. docs/toolchain.md.
/// </summary>
public static class OpenMpSettings
{
    public const string WaitVariable = "SNN_OMP_WAIT";
    public const string ThreadsVariable = "SNN_THREADS";
    private const string OpenMpWaitVariable = "OMP_WAIT_POLICY";
    private const string OpenMpThreadsVariable = "OMP_NUM_THREADS";
    public static readonly IReadOnlyList<string> WaitChoices = ["auto", "active", "passive"];
    /// <summary>Load at which auto turns passive and gives up a core: half a core kept busy by other processes.</summary>
    public const double BusyThreshold = 0.5;

    /// <summary>What <see cref="Apply"/> decided, for logs (e.g. "passive, 1 thread (auto: 0.9 cores busy)"); null before.</summary>
    public static string? Decision { get; private set; }

    /// <summary>
    /// Sets OMP_WAIT_POLICY and OMP_NUM_THREADS in the process environment as <c>$SNN_OMP_WAIT</c> and
    /// <c>$SNN_THREADS</c> ask, unless the user set them or libtorch's OpenMP is already loaded. Call first thing,
    /// before any TorchSharp call. Linux only (elsewhere a no-op). Throws <see cref="ArgumentException"/> naming the
    /// variable for a value it does not understand.
    /// </summary>
    public static string Apply()
    {
        if (Decision is not null) return Decision;
        if (!OperatingSystem.IsLinux()) return Decision = "default (not Linux)";
        var request = new Request(
            Environment.GetEnvironmentVariable(WaitVariable), Environment.GetEnvironmentVariable(ThreadsVariable),
            Environment.GetEnvironmentVariable(OpenMpWaitVariable), Environment.GetEnvironmentVariable(OpenMpThreadsVariable),
            OpenMpLoaded());
        // Sample the load only when it decides something.
        var busy = request.NeedsLoad ? OtherProcessesBusyCores(TimeSpan.FromMilliseconds(250)) : null;
        var choice = Decide(request, busy, PhysicalCores(), Environment.ProcessorCount);
        if (choice.Passive) _ = SetEnv(OpenMpWaitVariable, "PASSIVE", 0);
        if (choice.Threads is { } threads) _ = SetEnv(OpenMpThreadsVariable, threads.ToString(CultureInfo.InvariantCulture), 0);
        return Decision = choice.Text;
    }

    /// <summary>The environment <see cref="Apply"/> reads: the kit's two variables, the user's OpenMP ones, and whether OpenMP is loaded.</summary>
    internal sealed record Request(string? Wait, string? Threads, string? UserWait, string? UserThreads, bool OpenMpLoaded)
    {
        public string WaitChoice => Normalized(Wait);
        public string ThreadsChoice => Normalized(Threads);
        public bool NeedsLoad => !OpenMpLoaded
            && ((WaitChoice == "auto" && UserWait is not { Length: > 0 }) || (ThreadsChoice == "auto" && UserThreads is not { Length: > 0 }));
        private static string Normalized(string? value) => value is { Length: > 0 } v ? v.Trim().ToLowerInvariant() : "auto";
    }

    /// <summary>What to set: PASSIVE or not, OMP_NUM_THREADS (null: leave libtorch's default), and the words for logs.</summary>
    internal readonly record struct Choice(bool Passive, int? Threads, string Text);

    /// <summary>
    /// The decision for <paramref name="request"/> given the cores other processes keep busy (null: unknown) and this
    /// machine's physical and logical cores. libtorch's own default is one thread per physical core.
    /// </summary>
    internal static Choice Decide(Request request, double? busyCores, int physicalCores, int logicalCores)
    {
        var wait = request.WaitChoice;
        if (!WaitChoices.Contains(wait))
            throw new ArgumentException($"${WaitVariable} = '{request.Wait}': expected one of {string.Join(", ", WaitChoices)}.", WaitVariable);
        int? asked = null;
        if (request.ThreadsChoice != "auto")
        {
            if (!int.TryParse(request.ThreadsChoice, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new ArgumentException($"${ThreadsVariable} = '{request.Threads}': expected auto or a thread count ≥ 1.", ThreadsVariable);
            asked = n;
        }
        if (request.OpenMpLoaded) return new(false, null, "default (OpenMP was already loaded)");
        var loaded = busyCores is { } b && b >= BusyThreshold;
        var load = busyCores is { } busy ? $"{busy:F1} cores busy" : "load unknown";

        bool passive;
        string waitText;
        if (request.UserWait is { Length: > 0 } userWait) (passive, waitText) = (false, $"{userWait.ToLowerInvariant()} (OMP_WAIT_POLICY set by the user)");
        else if (wait != "auto") (passive, waitText) = (wait == "passive", $"{wait} (${WaitVariable}={wait})");
        else (passive, waitText) = (loaded, $"{(loaded ? "passive" : "active")} (auto: {load})");

        int? threads = null;
        string threadsText;
        if (request.UserThreads is { Length: > 0 } userThreads) threadsText = $"{userThreads.Trim()} threads (OMP_NUM_THREADS set by the user)";
        else if (asked is { } n) (threads, threadsText) = (n, $"{n} thread{(n == 1 ? "" : "s")} (${ThreadsVariable}={n})");
        else
        {
            var cores = Math.Max(1, physicalCores);
            // Leave the cores the others use: what is left of the logical cores, never more than libtorch's default.
            var free = loaded ? Math.Max(1, Math.Min(cores, logicalCores - (int)Math.Round(busyCores!.Value, MidpointRounding.AwayFromZero))) : cores;
            if (free < cores) threads = free;
            threadsText = $"{free} thread{(free == 1 ? "" : "s")} (auto: {load})";
        }
        return new(passive, threads, $"wait {waitText}; {threadsText}");
    }

    /// <summary>
    /// Cores kept busy by the other processes over <paramref name="window"/>: the machine's busy time from /proc/stat
    /// less this process's own (/proc/self/stat), so a process busy loading itself does not count as load. Null when
    /// unreadable.
    /// </summary>
    internal static double? OtherProcessesBusyCores(TimeSpan window)
    {
        var before = (Machine: MachineTicks(), Self: OwnTicks());
        Thread.Sleep(window);
        var after = (Machine: MachineTicks(), Self: OwnTicks());
        if (before.Machine is not { } a || after.Machine is not { } z || z.Total <= a.Total) return null;
        var own = before.Self is { } s0 && after.Self is { } s1 ? s1 - s0 : 0;
        return Math.Max(0, (double)(z.Busy - a.Busy - own) / (z.Total - a.Total) * Environment.ProcessorCount);
    }

    // /proc/stat's first line: busy and total clock ticks of all cores.
    private static (long Busy, long Total)? MachineTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);   // idle + iowait
            var total = fields.Take(8).Sum();                              // without guest time (counted in user)
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    // /proc/self/stat: utime + stime (fields 14 and 15, after the parenthesised command name), in the same ticks.
    private static long? OwnTicks()
    {
        try
        {
            var text = File.ReadAllText("/proc/self/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Distinct (package, core) pairs of /proc/cpuinfo; the logical count when it has none.</summary>
    internal static int PhysicalCores()
    {
        try
        {
            var cores = new HashSet<(string, string)>();
            string package = "0";
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var colon = line.IndexOf(':');
                if (colon < 0) continue;
                var key = line[..colon].Trim();
                if (key == "physical id") package = line[(colon + 1)..].Trim();
                else if (key == "core id") cores.Add((package, line[(colon + 1)..].Trim()));
            }
            return cores.Count > 0 ? cores.Count : Environment.ProcessorCount;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Environment.ProcessorCount; }
    }

    private static bool OpenMpLoaded()
    {
        try { return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
