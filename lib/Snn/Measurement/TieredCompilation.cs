using System.Globalization;

namespace Snn.Measurement;

/// <summary>
/// Whether this process runs with .NET's tiered compilation, which recompiles hot methods on a background thread during
/// the first seconds to minutes of a process. On a machine with as many cores as libtorch has OpenMP threads that thread
/// takes a core from them, and a barrier waits for the thread that lost it: W1 TBPTT's first 40 steps ran in stretches
/// at 26–30 and at 45–60 ms with it, at 25–35 ms without (docs/toolchain.md). The `snn` command turns it off in its
/// runtimeconfig; benchmarks and runs record which was in force.
/// </summary>
public static class TieredCompilation
{
    /// <summary>The runtimeconfig property (System.Runtime.TieredCompilation, MSBuild's TieredCompilation) the runtime reads.</summary>
    public const string ConfigProperty = "System.Runtime.TieredCompilation";

    /// <summary>True where the runtime tiers (its default), false where the environment or the runtimeconfig turned it off.</summary>
    public static bool Enabled => Decide(Environment.GetEnvironmentVariable("DOTNET_TieredCompilation"),
        Environment.GetEnvironmentVariable("COMPlus_TieredCompilation"), AppContext.GetData(ConfigProperty) as string);

    /// <summary>
    /// The runtime's precedence: DOTNET_ over COMPlus_ (hexadecimal integers, 0 off), then the runtimeconfig property
    /// (true or false); on where none is set. A value the runtime would not parse is skipped, as the runtime skips it.
    /// </summary>
    public static bool Decide(string? dotnetVariable, string? complusVariable, string? configProperty)
    {
        foreach (var variable in new[] { dotnetVariable, complusVariable })
            if (Hexadecimal(variable) is { } value) return value != 0;
        return !bool.TryParse(configProperty, out var configured) || configured;
    }

    private static long? Hexadecimal(string? value)
    {
        var text = value?.Trim();
        if (text is null or "") return null;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        return long.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }
}
