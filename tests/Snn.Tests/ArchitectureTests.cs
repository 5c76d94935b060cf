using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using Snn.Charts;
using Snn.Training;

namespace Snn.Tests;

/// <summary>The layers of docs/architecture.md: what each namespace may use, no cycles, one public type per file.</summary>
public class ArchitectureTests
{
    /// <summary>The doc whose "Layers of the core library" table this test checks the assemblies against.</summary>
    public const string ArchitectureDoc = "docs/architecture.md";

    /// <summary>
    /// Each namespace of the core library and the kit namespaces it may use (besides System, TorchSharp and its own), as
    /// the layer table of docs/architecture.md lists them: lowest first, the order being the dependency order.
    /// </summary>
    public static (string Namespace, string[] MayUse)[] Layers => LayerTable.Value;

    private static readonly Lazy<(string Namespace, string[] MayUse)[]> LayerTable = new(() =>
        ReadLayerTable(File.ReadAllText(Path.Combine(RepositoryRoot(), ArchitectureDoc)), ArchitectureDoc));

    /// <summary>
    /// The table under "## Layers of the core library" in <paramref name="markdown"/>: header <c>| namespace | holds | may
    /// use |</c>, one row per namespace, <c>| `Snn.X` | … | uses |</c>. The first cell is the namespace in backticks; the
    /// last is "—" (nothing), "everything above" (every namespace in an earlier row) or a comma-separated list of names
    /// relative to <c>Snn</c> (<c>Data.Formats, IO</c>). Throws <see cref="InvalidDataException"/> naming
    /// <paramref name="source"/> and the line for anything else.
    /// </summary>
    internal static (string Namespace, string[] MayUse)[] ReadLayerTable(string markdown, string source)
    {
        const string heading = "## Layers of the core library";
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var at = Array.FindIndex(lines, l => l.Trim() == heading);
        if (at < 0) throw new InvalidDataException($"{source}: no \"{heading}\" section, so no layer table to check the namespaces against.");
        var header = Array.FindIndex(lines, at + 1, l => l.TrimStart().StartsWith('|') || l.StartsWith("## ", StringComparison.Ordinal));
        if (header < 0 || !lines[header].TrimStart().StartsWith('|')
            || !Regex.IsMatch(lines[header], @"^\s*\|\s*namespace\s*\|.*\|\s*may use\s*\|\s*$"))
            throw new InvalidDataException($"{source}: the \"{heading}\" section has no table with the header | namespace | holds | may use |"
                                           + (header >= 0 ? $" (line {header + 1}: {lines[header].Trim()})" : "") + ".");
        if (header + 1 >= lines.Length || !Regex.IsMatch(lines[header + 1], @"^\s*\|(\s*:?-+:?\s*\|)+\s*$"))
            throw new InvalidDataException($"{source} line {header + 2}: expected the table's |---|---|---| separator under its header.");

        var layers = new List<(string Namespace, string[] MayUse)>();
        for (var i = header + 2; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
        {
            var where = $"{source} line {i + 1}";
            var cells = lines[i].Trim().Split('|');   // "", namespace, holds (may hold '|' in code), …, may use, ""
            if (cells.Length < 4 || cells[^1].Trim() != "")
                throw new InvalidDataException($"{where}: expected a row | `Snn.X` | what it holds | may use |, got: {lines[i].Trim()}");
            var name = Regex.Match(cells[1].Trim(), @"^`(Snn(?:\.[A-Z]\w*)*)`$");
            if (!name.Success)
                throw new InvalidDataException($"{where}: the first cell should be a namespace in backticks (`Snn.Layers`), got '{cells[1].Trim()}'.");
            var ns = name.Groups[1].Value;
            if (layers.Any(l => l.Namespace == ns)) throw new InvalidDataException($"{where}: {ns} has a row already.");
            var uses = cells[^2].Trim();
            string[] mayUse;
            if (uses is "—" or "-" or "–") mayUse = [];
            else if (uses == "everything above") mayUse = layers.Select(l => l.Namespace).ToArray();
            else
            {
                mayUse = uses.Split(',').Select(u => u.Trim().Trim('`')).Select(u => u.StartsWith("Snn.", StringComparison.Ordinal) ? u : "Snn." + u).ToArray();
                var bad = mayUse.Where(u => !Regex.IsMatch(u, @"^Snn(?:\.[A-Z]\w*)+$")).ToList();
                if (bad.Count > 0 || uses.Length == 0)
                    throw new InvalidDataException($"{where}: the last cell of {ns} should be \"—\", \"everything above\" or namespaces below it separated by commas (Layers, Data.Events), got '{uses}'.");
                var notAbove = mayUse.Where(u => layers.All(l => l.Namespace != u)).ToList();
                if (notAbove.Count > 0)
                    throw new InvalidDataException($"{where}: {ns} may use {string.Join(", ", notAbove)}, which has no row above it (the table is lowest first, so a namespace may use only earlier rows).");
            }
            layers.Add((ns, mayUse));
        }
        if (layers.Count == 0) throw new InvalidDataException($"{source} line {header + 1}: the layer table has no rows.");
        return [.. layers];
    }

    private static readonly Lazy<Architecture> Kit = new(() =>
        new ArchLoader().LoadAssemblies(typeof(Trainer).Assembly, typeof(ChartHtml).Assembly).Build());

    private static IEnumerable<IType> KitTypes(string assembly) =>
        Kit.Value.Types.Where(t => t.Assembly.Name.StartsWith(assembly + ",", StringComparison.Ordinal) || t.Assembly.Name == assembly);

    /// <summary>Namespace → the other kit namespaces its types use (fields, signatures, bodies, attributes).</summary>
    private static Dictionary<string, SortedSet<string>> NamespaceGraph()
    {
        var graph = new Dictionary<string, SortedSet<string>>();
        foreach (var type in KitTypes("Snn"))
        {
            var from = type.Namespace.FullName;
            if (!from.StartsWith("Snn", StringComparison.Ordinal)) continue;   // compiler-generated helpers
            var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (var d in type.Dependencies)
            {
                var to = d.Target?.Namespace?.FullName ?? "";
                if (to != from && (to == "Snn" || to.StartsWith("Snn.", StringComparison.Ordinal))) uses.Add(to);
            }
        }
        return graph;
    }

    [Fact]
    public void Every_namespace_uses_only_the_layers_below_it()
    {
        var graph = NamespaceGraph();
        var declared = Layers.ToDictionary(l => l.Namespace, l => l.MayUse);
        var unknown = graph.Keys.Where(n => !declared.ContainsKey(n)).ToList();
        Assert.True(unknown.Count == 0, $"namespaces missing from the layer table (add them to docs/architecture.md and this test): {string.Join(", ", unknown)}");
        var violations = graph.SelectMany(kv => kv.Value.Where(to => !declared[kv.Key].Contains(to)).Select(to => $"{kv.Key} → {to}")).ToList();
        Assert.True(violations.Count == 0, "dependencies not allowed by docs/architecture.md:\n" + string.Join("\n", violations)
            + "\n\nactual graph:\n" + string.Join("\n", graph.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}")));
    }

    [Fact]
    public void The_layer_table_is_an_order_without_cycles()
    {
        // Each layer may use only layers listed before it, so the allowed graph (and with the test above, the real one) is acyclic.
        for (var i = 0; i < Layers.Length; i++)
            foreach (var used in Layers[i].MayUse)
                Assert.True(Array.FindIndex(Layers, l => l.Namespace == used) is var j && j >= 0 && j < i, $"{Layers[i].Namespace} may use {used}, which is not a layer below it");
    }

    [Fact]
    public void Every_namespace_the_layer_table_names_exists()
    {
        var real = KitTypes("Snn").Select(t => t.Namespace.FullName).Where(n => n.StartsWith("Snn", StringComparison.Ordinal)).ToHashSet();
        var named = Layers.SelectMany(l => l.MayUse.Prepend(l.Namespace)).Distinct();
        var missing = named.Where(n => !real.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"{ArchitectureDoc} names namespaces that the core library does not have: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_layer_table_reads_none_everything_above_and_short_names()
    {
        const string doc = """
            ## Layers of the core library

            | namespace | holds | may use |
            |---|---|---|
            | `Snn.A` | a `x | y` cell with a bar | — |
            | `Snn.B.C` | b | A |
            | `Snn.D` | d | `B.C`, Snn.A |
            | `Snn.E` | e | everything above |

            after the table
            """;
        var layers = ReadLayerTable(doc, "doc.md");
        Assert.Equal(["Snn.A", "Snn.B.C", "Snn.D", "Snn.E"], layers.Select(l => l.Namespace));
        Assert.Empty(layers[0].MayUse);
        Assert.Equal(["Snn.A"], layers[1].MayUse);
        Assert.Equal(["Snn.B.C", "Snn.A"], layers[2].MayUse);
        Assert.Equal(["Snn.A", "Snn.B.C", "Snn.D"], layers[3].MayUse);
    }

    [Theory]
    [InlineData("# Architecture\n", "no \"## Layers of the core library\" section")]
    [InlineData("## Layers of the core library\n\nno table\n\n## Next\n", "no table with the header")]
    [InlineData("## Layers of the core library\n| namespace | holds | may use |\n|---|---|---|\n| Snn.A | a | — |\n", "line 4: the first cell should be a namespace in backticks")]
    [InlineData("## Layers of the core library\n| namespace | holds | may use |\n|---|---|---|\n| `Snn.A` | a | Later |\n| `Snn.Later` | b | — |\n", "line 4: Snn.A may use Snn.Later, which has no row above it")]
    [InlineData("## Layers of the core library\n| namespace | holds | may use |\n|---|---|---|\n| `Snn.A` | a | all of it |\n", "line 4: the last cell of Snn.A should be")]
    [InlineData("## Layers of the core library\n| namespace | holds | may use |\n|---|---|---|\n", "the layer table has no rows")]
    public void A_layer_table_that_cannot_be_read_fails_with_the_line(string doc, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadLayerTable(doc, "doc.md"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("doc.md", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_doc_names_every_package_the_core_library_uses()
    {
        var root = RepositoryRoot();
        var packages = Regex.Matches(File.ReadAllText(Path.Combine(root, "lib", "Snn", "Snn.csproj")), @"<PackageReference\s+Include=""([^""]+)""")
            .Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(packages);
        var row = File.ReadAllLines(Path.Combine(root, ArchitectureDoc)).SingleOrDefault(l => l.StartsWith("| `lib/Snn` |", StringComparison.Ordinal));
        Assert.True(row is not null, $"{ArchitectureDoc}: no row | `lib/Snn` | … | in the projects table.");
        var unnamed = packages.Where(p => !row!.Contains(p, StringComparison.Ordinal)).ToList();
        Assert.True(unnamed.Count == 0, $"{ArchitectureDoc}: the `lib/Snn` row does not name the packages lib/Snn/Snn.csproj references: {string.Join(", ", unnamed)}");
    }

    [Fact]
    public void The_core_library_knows_nothing_of_charts_or_the_cli()
    {
        var offenders = KitTypes("Snn").SelectMany(t => t.Dependencies.Select(d => (t, d.Target)))
            .Where(p => (p.Target?.Namespace?.FullName ?? "").StartsWith("Snn.Charts", StringComparison.Ordinal) || (p.Target?.Namespace?.FullName ?? "").StartsWith("Snn.Cli", StringComparison.Ordinal)
                        || (p.Target?.Namespace?.FullName ?? "").StartsWith("Plotly", StringComparison.Ordinal))
            .Select(p => $"{p.t.FullName} → {p.Target!.FullName}").Distinct().ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
        Assert.NotEmpty(KitTypes("Snn.Charts"));   // the charts assembly was loaded, so the check above compared real types
    }

    [Fact]
    public void Every_source_file_holds_at_most_one_public_type()
    {
        var root = RepositoryRoot();
        var declaration = new Regex(@"^public\s+(?:(?:sealed|static|abstract|readonly|partial|record)\s+)*(?:class|record|enum|interface|struct)\s+(\w+)", RegexOptions.Multiline);
        var crowded = Directory.EnumerateFiles(Path.Combine(root, "lib"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (File: Path.GetRelativePath(root, f), Types: declaration.Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value).ToList()))
            .Where(f => f.Types.Count > 1 || (f.Types.Count == 1 && f.Types[0] != Path.GetFileNameWithoutExtension(f.File)))
            .Select(f => $"{f.File}: {string.Join(", ", f.Types)}").ToList();
        Assert.True(crowded.Count == 0, "files with several public types, or named after another type:\n" + string.Join("\n", crowded));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Snn.Notebooks.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"Snn.Notebooks.sln not found above {AppContext.BaseDirectory}.");
    }
}
