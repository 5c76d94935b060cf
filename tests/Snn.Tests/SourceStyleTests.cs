using System.Text.RegularExpressions;

namespace Snn.Tests;

/// <summary>
/// What `dotnet format whitespace` does not check: no line of the library sources (lib/**/*.cs) is longer than the
/// max_line_length that .editorconfig gives C# files.
/// </summary>
public class SourceStyleTests
{
    [Fact]
    public void No_library_line_is_longer_than_the_editorconfig_allows()
    {
        var root = ArchitectureTests.RepositoryRoot();
        var max = MaxLineLength(File.ReadAllText(Path.Combine(root, ".editorconfig")), ".editorconfig");
        var tooLong = LongLines(root, "lib", max);
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} line(s) under lib/ longer than max_line_length = {max} (.editorconfig); wrap them:\n" + string.Join("\n", tooLong));
    }

    [Theory]
    [InlineData("root = true\n[*.cs]\nmax_line_length = 160\n", 160)]
    [InlineData("[*]\nmax_line_length = 120\n[*.md]\nmax_line_length = 80\n", 120)]
    [InlineData("[*]\nmax_line_length = 120\n[*.{cs,vb}]\n# a comment\nmax_line_length=100\n", 100)]
    public void The_line_length_is_the_last_one_of_a_section_for_cs_files(string editorconfig, int expected) =>
        Assert.Equal(expected, MaxLineLength(editorconfig, "test"));

    [Fact]
    public void An_editorconfig_without_a_line_length_for_cs_files_fails_naming_it()
    {
        var e = Assert.Throws<InvalidDataException>(() => MaxLineLength("[*.md]\nmax_line_length = 80\n", "x/.editorconfig"));
        Assert.StartsWith("x/.editorconfig", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The max_line_length for *.cs in <paramref name="editorconfig"/>: the last one in a section whose glob matches C#
    /// files ([*], [*.cs], [*.{cs,…}]), as later sections override earlier ones.
    /// </summary>
    internal static int MaxLineLength(string editorconfig, string source)
    {
        int? result = null;
        var forCs = false;
        foreach (var raw in editorconfig.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                var glob = line[1..^1];
                forCs = glob is "*" or "*.cs" || Regex.IsMatch(glob, @"^\*\.\{([^}]*,)?cs(,[^}]*)?\}$");
                continue;
            }
            var setting = Regex.Match(line, @"^max_line_length\s*=\s*(\d+)\s*$");
            if (forCs && setting.Success) result = int.Parse(setting.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return result ?? throw new InvalidDataException($"{source}: no max_line_length (a number) in a section for *.cs files.");
    }

    /// <summary>"path:line (length)" for every line of <paramref name="folder"/>/**/*.cs (not bin/ or obj/) over <paramref name="max"/> characters.</summary>
    internal static List<string> LongLines(string root, string folder, int max)
    {
        var result = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var length = lines[i].EnumerateRunes().Count();   // characters as an editor counts them, not UTF-16 units
                if (length > max) result.Add($"{relative}:{i + 1} ({length})");
            }
        }
        return result;
    }
}
