namespace Snn.Tests;

/// <summary>`snn report`: help, exit 2 for a missing folder, a folder without runs, an unknown experiment and an output inside a run; exit 0 writes the three files.</summary>
public sealed class CliReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn cli report ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Output, string Error) Snn(params string[] args) => ConsoleCapture.Snn(args);

    [Fact]
    public void Report_has_help_and_is_listed()
    {
        var (code, output, _) = Snn("--help");
        Assert.Equal(0, code);
        Assert.Contains("\n  report ", output);
        (code, output, _) = Snn("report", "--help");
        Assert.Equal(0, code);
        Assert.Contains("snn report <RESULTS_DIR> [options]", output);
        Assert.Contains("--out <DIR>", output);
        Assert.Contains("--experiment <NAME>", output);
    }

    [Fact]
    public void Bad_report_usage_exits_2_naming_the_folder()
    {
        var missing = Path.Combine(dir, "no such results");
        var (code, _, error) = Snn("report", missing);
        Assert.Equal(2, code);
        Assert.Contains($"{missing}: folder not found", error);

        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        (code, _, error) = Snn("report", empty);
        Assert.Equal(2, code);
        Assert.Contains($"no runs found under {empty}", error);
        Assert.Empty(Directory.GetFileSystemEntries(empty));

        (code, _, error) = Snn("report");
        Assert.Equal(2, code);

        var root = Path.Combine(dir, "results");
        ReportTests.WriteTree(root, root);
        (code, _, error) = Snn("report", root, "--experiment", "gamma");
        Assert.Equal(2, code);
        Assert.Contains("--experiment gamma: no runs of it", error);
        Assert.Contains("experiments found: alpha, beta", error);

        var run = Directory.GetDirectories(Path.Combine(root, "alpha"))[0];
        (code, _, error) = Snn("report", root, "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("a report is never written inside a run", error);
        Assert.False(File.Exists(Path.Combine(run, "report.html")));
        Assert.False(File.Exists(Path.Combine(root, "report.csv")));
    }

    [Fact]
    public void Report_writes_its_three_files_and_replaces_an_earlier_report()
    {
        var root = Path.Combine(dir, "results");
        ReportTests.WriteTree(root, root);
        var output = Path.Combine(dir, "report out");
        var (code, text, error) = Snn("report", root, "--out", output, "--experiment", "alpha");
        Assert.True(code == 0, error);
        Assert.Contains("2 configuration(s), 6 run(s): 4 finished, 1 failed, 1 incomplete", text);
        Assert.DoesNotContain("beta", text);
        Assert.Equal(["report.csv", "report.html", "runs.csv"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(2, ReportTests.ReadCsv(File.ReadAllText(Path.Combine(output, "report.csv"))).Count);

        (code, _, error) = Snn("report", root);
        Assert.True(code == 0, error);
        (code, _, error) = Snn("report", root);
        Assert.True(code == 0, error);
        Assert.Equal(3, ReportTests.ReadCsv(File.ReadAllText(Path.Combine(root, "report.csv"))).Count);
        Assert.Empty(Directory.GetFiles(root, "*.tmp"));
    }
}
