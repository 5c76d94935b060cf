using System.Runtime.InteropServices;

namespace Snn.Threading;

/// <summary>
/// Chooses how libtorch's OpenMP threads wait between parallel regions, before libtorch loads (libgomp reads
/// OMP_WAIT_POLICY once, when it loads). By default the threads spin at barriers: fastest on an idle machine, but when
/// another process takes a core, the spinning thread and the one that was descheduled stall each other (W2 BPTT steps
/// 4–28× slower with one busy process beside them, measured). Passive waiting sleeps instead (1.5–2× slower under
/// the same load, ~1.3× slower on an idle machine). <c>$SNN_OMP_WAIT</c>: <c>auto</c> (default: passive when the other
/// processes keep at least half a core busy while this one starts), <c>active</c>, <c>passive</c>. An OMP_WAIT_POLICY
/// set by the user is left alone. docs/toolchain.md.
/// </summary>
public static class OpenMpWaitPolicy
{
    public const string Variable = "SNN_OMP_WAIT";
    private const string OpenMpVariable = "OMP_WAIT_POLICY";
    public static readonly IReadOnlyList<string> Choices = ["auto", "active", "passive"];

    /// <summary>What <see cref="Apply"/> decided, for logs (e.g. "passive (auto: 0.9 cores busy)"); null before.</summary>
    public static string? Decision { get; private set; }

    /// <summary>
    /// Sets OMP_WAIT_POLICY in the process environment as <c>$SNN_OMP_WAIT</c> asks, unless the user set it or
    /// libtorch's OpenMP is already loaded. Call first thing, before any TorchSharp call. Linux only (elsewhere a no-op).
    /// </summary>
    public static string Apply()
    {
        if (Decision is not null) return Decision;
        if (!OperatingSystem.IsLinux()) return Decision = "default (not Linux)";
        var requested = Environment.GetEnvironmentVariable(Variable);
        var user = Environment.GetEnvironmentVariable(OpenMpVariable);
        var loaded = OpenMpLoaded();
        // Sample the load only when it decides.
        var auto = user is not { Length: > 0 } && !loaded && Normalized(requested) == "auto";
        var (passive, text) = Decide(requested, user, loaded, auto ? OtherProcessesBusyCores(TimeSpan.FromMilliseconds(250)) : null);
        if (passive) _ = SetEnv(OpenMpVariable, "PASSIVE", 0);
        return Decision = text;
    }

    /// <summary>
    /// The decision for <paramref name="requested"/> ($SNN_OMP_WAIT), an OMP_WAIT_POLICY the user set, whether OpenMP is
    /// already loaded and the cores other processes keep busy: set PASSIVE or not, and the words for logs.
    /// </summary>
    internal static (bool SetPassive, string Text) Decide(string? requested, string? userPolicy, bool openMpLoaded, double? busyCores)
    {
        var choice = Normalized(requested);
        if (!Choices.Contains(choice))
            throw new ArgumentException($"${Variable} = '{requested}': expected one of {string.Join(", ", Choices)}.", Variable);
        if (userPolicy is { Length: > 0 }) return (false, $"{userPolicy.ToLowerInvariant()} (OMP_WAIT_POLICY set by the user)");
        if (openMpLoaded) return (false, "default (OpenMP was already loaded)");
        if (choice != "auto") return (choice == "passive", $"{choice} (${Variable}={choice})");
        if (busyCores is not { } busy) return (false, "active (auto: load unknown)");
        var passive = busy >= 0.5;
        return (passive, $"{(passive ? "passive" : "active")} (auto: {busy:F1} cores busy)");
    }

    private static string Normalized(string? requested) => requested is { Length: > 0 } v ? v.Trim().ToLowerInvariant() : "auto";

    /// <summary>Cores kept busy by all processes over <paramref name="window"/> (from /proc/stat); null when unreadable.</summary>
    internal static double? OtherProcessesBusyCores(TimeSpan window)
    {
        static (long Busy, long Total)? Read()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
                var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);   // idle + iowait
                var total = fields.Take(8).Sum();                              // without guest time (counted in user)
                return (total - idle, total);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return null; }
        }
        var before = Read();
        Thread.Sleep(window);
        var after = Read();
        if (before is not { } a || after is not { } z || z.Total <= a.Total) return null;
        return (double)(z.Busy - a.Busy) / (z.Total - a.Total) * Environment.ProcessorCount;
    }

    private static bool OpenMpLoaded()
    {
        try { return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
