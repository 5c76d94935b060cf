// Shared first cell of every notebook: `#load "setup.csx"`. Loads the kit built by eng/setup.sh
// (artifacts/notebook-lib), loads Plotly.NET.Interactive, and makes Plotly charts render offline
// (plotly.js inlined once per page).
#r "../artifacts/notebook-lib/TorchSharp.dll"
#r "../artifacts/notebook-lib/Plotly.NET.dll"
#r "../artifacts/notebook-lib/Plotly.NET.CSharp.dll"
#r "../artifacts/notebook-lib/Snn.dll"
#r "../artifacts/notebook-lib/Snn.Charts.dll"
// The .NET Interactive extension of Plotly.NET's docs, copied from the NuGet cache by eng/setup.sh. Loaded the way
// the kernel loads it after '#r "nuget: Plotly.NET.Interactive"', which needs nuget.org (offline: error NU1301).
#r "../artifacts/notebook-lib/Plotly.NET.Interactive.dll"
// Before libtorch loads: how many OpenMP threads and how they wait (spinning threads stall on a shared machine; docs/toolchain.md).
Snn.Threading.OpenMpSettings.Apply();

/// <summary>The kit's chart formatter: Snn.Charts.ChartHtml (plotly.js inlined, no CDN).</summary>
sealed class SnnOfflineChartFormatter : Microsoft.DotNet.Interactive.Formatting.TypeFormatter<Plotly.NET.GenericChart>
{
    public const string ProbeMarker = "<!-- snn-offline-chart-formatter -->";

    /// <summary>While set, writes only <see cref="ProbeMarker"/> (keeps plotly.js for the first real chart).</summary>
    public static bool Probing;

    public override string MimeType => "text/html";

    public override bool Format(Plotly.NET.GenericChart chart, Microsoft.DotNet.Interactive.Formatting.FormatContext context)
    {
        context.Writer.Write(Probing ? ProbeMarker : Snn.Charts.ChartHtml.Fragment(chart));
        return true;
    }
}

static class SnnNotebookSetup
{
    /// <summary>Runs Plotly.NET.Interactive's kernel extension, then registers the offline formatter after it
    /// (the formatter registered last wins). Returns the line that eng/check_charts.py looks for.</summary>
    public static async System.Threading.Tasks.Task<string> LoadChartsAsync()
    {
        var kernel = Microsoft.DotNet.Interactive.Kernel.Root
            ?? throw new InvalidOperationException("setup.csx: no .NET Interactive root kernel");
        var html = Microsoft.DotNet.Interactive.Formatting.HtmlFormatter.MimeType;
        var extensions = typeof(Plotly.NET.Interactive.FormatterKernelExtension).Assembly.GetTypes()
            .Where(t => typeof(Microsoft.DotNet.Interactive.IKernelExtension).IsAssignableFrom(t) && !t.IsAbstract)
            .ToList();
        if (extensions.Count == 0)
            throw new InvalidOperationException("setup.csx: Plotly.NET.Interactive.dll has no IKernelExtension");
        var before = Microsoft.DotNet.Interactive.Formatting.Formatter.GetPreferredFormatterFor(typeof(Plotly.NET.GenericChart), html);
        foreach (var t in extensions)
            await ((Microsoft.DotNet.Interactive.IKernelExtension)Activator.CreateInstance(t)!).OnLoadAsync(kernel);
        var theirs = Microsoft.DotNet.Interactive.Formatting.Formatter.GetPreferredFormatterFor(typeof(Plotly.NET.GenericChart), html);
        if (ReferenceEquals(before, theirs))
            throw new InvalidOperationException("setup.csx: Plotly.NET.Interactive registered no text/html formatter for GenericChart");

        Microsoft.DotNet.Interactive.Formatting.Formatter.Register(new SnnOfflineChartFormatter());
        string probe;
        SnnOfflineChartFormatter.Probing = true;
        try { probe = Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(Plotly.NET.Chart.Invisible(), html); }
        finally { SnnOfflineChartFormatter.Probing = false; }
        if (probe != SnnOfflineChartFormatter.ProbeMarker)
            throw new InvalidOperationException("setup.csx: the offline chart formatter does not win over Plotly.NET.Interactive's");
        var assembly = typeof(Plotly.NET.Interactive.FormatterKernelExtension).Assembly;
        var version = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion.Split('+')[0]
            ?? assembly.GetName().Version?.ToString();
        return $"setup: Plotly.NET.Interactive {version} loaded; charts use the offline formatter (plotly.js {Snn.Charts.ChartHtml.PlotlyVersion} inlined)";
    }
}

Console.WriteLine(await SnnNotebookSetup.LoadChartsAsync());
