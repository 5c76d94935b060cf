// Shared first cell of every notebook: `#load "setup.csx"`. Loads the kit built by eng/setup.sh
// (artifacts/notebook-lib) and makes Plotly charts render offline (plotly.js inlined once per page).
#r "../artifacts/notebook-lib/TorchSharp.dll"
#r "../artifacts/notebook-lib/Plotly.NET.dll"
#r "../artifacts/notebook-lib/Plotly.NET.CSharp.dll"
#r "../artifacts/notebook-lib/Snn.dll"
#r "../artifacts/notebook-lib/Snn.Charts.dll"

Microsoft.DotNet.Interactive.Formatting.Formatter.Register<Plotly.NET.GenericChart>(
    (chart, writer) => writer.Write(Snn.Charts.ChartHtml.Fragment(chart)), "text/html");
