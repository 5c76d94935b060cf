using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Snn.Cli;

/// <summary>The exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    /// <summary>The work was done.</summary>
    public const int Ok = 0;
    /// <summary>The run failed: training diverged, a dataset failed verification, an error during the work.</summary>
    public const int Failed = 1;
    /// <summary>Bad usage or bad input: unknown option, bad value, missing option/dataset/file, output that would be overwritten.</summary>
    public const int Usage = 2;
}

/// <summary>The user's command line or input is wrong (exit 2); the message names the option or file and what was expected.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Option factories with clear messages, and the exception-to-exit-code policy of the commands.</summary>
internal static class CliSupport
{
    /// <summary>An integer option ≥ <paramref name="min"/>; a bad value is a parse error naming the option (exit 2).</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseInt(r, name, min) ?? defaultValue,
    };

    /// <summary>An optional integer option ≥ <paramref name="min"/> (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r => ParseInt(r, name, min),
    };

    private static int? ParseInt(ArgumentResult r, string name, int min)
    {
        if (r.Tokens.Count == 0) return null;
        var text = r.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min) return v;
        r.AddError(min == int.MinValue
            ? $"{name} must be an integer; got '{text}'."
            : $"{name} must be an integer ≥ {min}; got '{text}'.");
        return null;
    }

    /// <summary>A floating-point option &gt; 0 (finite).</summary>
    public static Option<double> PositiveDouble(string name, string description, double defaultValue) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return defaultValue;
            var text = r.Tokens[^1].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)) return v;
            r.AddError($"{name} must be a number > 0 (e.g. 3e-3); got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A comma-separated list option; an unknown item is a parse error naming the option and what is allowed.</summary>
    public static Option<string> List(string name, string noun, string description, IEnumerable<string> defaults, Func<string, bool> known, string expected)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "LIST", DefaultValueFactory = _ => string.Join(',', defaults) };
        option.Validators.Add(r =>
        {
            foreach (var item in Split(r.GetValueOrDefault<string>()))
                if (!known(item)) r.AddError($"{name}: unknown {noun} '{item}'; expected {expected}.");
        });
        return option;
    }

    /// <summary>An optional comma-separated list of integers ≥ 1 (null when absent); a bad item is a parse error naming the option.</summary>
    public static Option<string?> PositiveIntList(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "LIST" };
        option.Validators.Add(r =>
        {
            var items = Split(r.GetValueOrDefault<string?>());
            if (items.Length == 0) r.AddError($"{name} is empty; expected integers ≥ 1, e.g. 1024,4096.");
            foreach (var item in items)
                if (!int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 1)
                    r.AddError($"{name}: '{item}' is not an integer ≥ 1; expected e.g. 1024,4096.");
        });
        return option;
    }

    /// <summary>The integers of a list <see cref="PositiveIntList"/> has validated; null when the option was absent.</summary>
    public static int[]? IntList(string? list) => list is null ? null : [.. Split(list).Select(i => int.Parse(i, CultureInfo.InvariantCulture))];

    /// <summary>The items of a comma-separated list, trimmed, without empty ones.</summary>
    public static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A string option that takes one of <paramref name="values"/> (System.CommandLine names the option and lists them).</summary>
    public static Option<string> Choice(string name, string description, string helpName, string defaultValue, IEnumerable<string> values)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong([.. values]);
        return option;
    }

    /// <summary>
    /// Checks an output file before any work: a file the user already has is never replaced silently (unless
    /// <paramref name="force"/>), and a bad path fails now, not after the run.
    /// </summary>
    public static void CheckNewFile(string option, string path, bool force)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} {path} is a folder; expected a file path.");
        if (File.Exists(path) && !force)
            throw new UsageException($"{option} {path} exists; choose another {option} path or pass --force to replace it.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new UsageException($"{option} {path}: folder {folder} does not exist.");
    }

    /// <summary>
    /// Runs a command's work. <see cref="UsageException"/> → message on stderr, exit 2; any other exception
    /// (the run failed after its input was accepted) → message on stderr, exit 1.
    /// </summary>
    public static int Guarded(string command, Func<int> work)
    {
        try { return work(); }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            Console.Error.WriteLine($"Run '{command} --help' for usage.");
            return ExitCodes.Usage;
        }
#pragma warning disable CA1031 // The command line's last line of defence: every failure becomes a message and exit code 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"{command}: failed: {Plain(e)}");
            if (Environment.GetEnvironmentVariable("SNN_DEBUG") is { Length: > 0 }) Console.Error.WriteLine(e);
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// Reads or checks the user's input: what the library throws here for a bad value or a missing or malformed
    /// file is bad input (exit 2), named after the option of the parameter where it is known.
    /// </summary>
    public static T Input<T>(Func<T> read, IReadOnlyDictionary<string, string>? optionOfParameter = null)
    {
        try { return read(); }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or Snn.Data.Formats.DataFormatException)
        {
            var option = e is ArgumentException { ParamName: { } p } && optionOfParameter?.TryGetValue(p, out var o) == true ? o : null;
            throw new UsageException(option is null ? Plain(e) : $"{option}: {Plain(e)}");
        }
    }

    /// <summary>Erases a progress bar drawn on a terminal (nothing when stderr goes to a file).</summary>
    public static void ClearProgressLine()
    {
        if (!Console.IsErrorRedirected) Console.Error.Write("\r\u001b[K");
    }

    /// <summary>The message without the " (Parameter 'x')" and "Actual value was" lines of argument exceptions.</summary>
    public static string Plain(Exception e)
    {
        var m = e.Message;
        var cut = m.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut >= 0) m = m[..cut];
        var actual = m.IndexOf("\nActual value was", StringComparison.Ordinal);
        return actual >= 0 ? m[..actual] : m;
    }
}
