using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using Snn.Charts;
using Snn.Training;

namespace Snn.Tests;

/// <summary>The layers of docs/architecture.md: what each namespace may use, no cycles, one public type per file.</summary>
public class ArchitectureTests
{
    /// <summary>
    /// Each namespace of the kit and the kit namespaces it may use (besides System, TorchSharp and its own). The order is
    /// the dependency order, lowest first; keep it in sync with docs/architecture.md.
    /// </summary>
    public static readonly (string Namespace, string[] MayUse)[] Layers =
    [
        ("Snn.IO", []),
        ("Snn.Threading", []),
        ("Snn.Neurons", []),
        ("Snn.Layers", ["Snn.Neurons"]),
        ("Snn.Encoders", []),
        ("Snn.Networks", ["Snn.Layers", "Snn.Neurons"]),
        ("Snn.Plans", []),
        ("Snn.Optimization", []),
        ("Snn.Measurement", []),
        ("Snn.Data.Events", []),
        ("Snn.Data.Formats", ["Snn.Data.Events"]),
        ("Snn.Data", ["Snn.Data.Formats", "Snn.Data.Events", "Snn.Encoders", "Snn.IO"]),
        ("Snn.Costs", ["Snn.Layers", "Snn.Plans", "Snn.Optimization"]),
        ("Snn.Training", ["Snn.Neurons", "Snn.Layers", "Snn.Networks", "Snn.Plans", "Snn.Optimization", "Snn.Measurement", "Snn.Data", "Snn.Encoders", "Snn.IO"]),
        ("Snn.Benchmarks", ["Snn.Neurons", "Snn.Layers", "Snn.Encoders", "Snn.Networks", "Snn.Plans", "Snn.Measurement", "Snn.Costs", "Snn.Training"]),
        ("Snn.Experiments", ["Snn.Neurons", "Snn.Layers", "Snn.Encoders", "Snn.Networks", "Snn.Plans", "Snn.Optimization", "Snn.Measurement",
            "Snn.Data", "Snn.Data.Formats", "Snn.Data.Events", "Snn.Costs", "Snn.Training", "Snn.Benchmarks", "Snn.IO"]),
    ];

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
