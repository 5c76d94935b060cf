
namespace Snn.Tests;

/// <summary>`snn train CONFIG.json`: exit 2 for a bad config with the key named and nothing written, 0 on success (and for a finished run), 1 when training diverges.</summary>
public sealed class CliExperimentTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn cli exp ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Output, string Error) Snn(params string[] args) => ConsoleCapture.Snn(args);

    private string Write(string name, string json)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_bad_config_exits_2_naming_the_key_and_writes_nothing()
    {
        var results = Path.Combine(dir, "results");
        var config = Write("bad.json", ExperimentConfigTests.Synthetic(plan: "\"K\": 9"));
        var (code, _, error) = Snn("train", config, "--results", results);
        Assert.Equal(2, code);
        Assert.Contains("plan.K", error);
        Assert.Contains("1 … T = 4", error);
        Assert.False(Directory.Exists(results));

        (code, _, error) = Snn("train", Write("typo.json", ExperimentConfigTests.Synthetic("\"epohcs\": 2")), "--results", results);
        Assert.Equal(2, code);
        Assert.Contains("epohcs: unknown key", error);

        (code, _, error) = Snn("train", Write("fp16.json", ExperimentConfigTests.Synthetic("\"precision\": \"fp16\"")), "--results", results);
        Assert.Equal(2, code);
        Assert.Contains("precision: 'fp16' is not allowed; expected one of: float32, bf16", error);
        Assert.False(Directory.Exists(results));

        (code, _, error) = Snn("train", config, "--epochs", "2");
        Assert.Equal(2, code);
        Assert.Contains("--epochs", error);

        (code, _, error) = Snn("train", Path.Combine(dir, "missing.json"), "--results", results);
        Assert.Equal(2, code);
        Assert.Contains("not found", error);

        (code, _, error) = Snn("train");
        Assert.Equal(2, code);
        Assert.Contains("--out", error);
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void A_config_runs_with_exit_0_and_is_not_run_twice()
    {
        var results = Path.Combine(dir, "results");
        var config = Write("bars.json", ExperimentConfigTests.Synthetic().Replace("\"epochs\": 3", "\"epochs\": 1"));
        var (code, output, error) = Snn("train", config, "--results", results);
        Assert.True(code == 0, error);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "unit")));
        Assert.True(File.Exists(Path.Combine(run, "summary.json")));
        Assert.Contains("test accuracy", output);

        (code, output, error) = Snn("train", config, "--results", results);
        Assert.True(code == 0, error);
        Assert.Contains("already done", output);
    }

    [Fact]
    public void A_diverging_run_exits_1()
    {
        var results = Path.Combine(dir, "results");
        var config = Write("diverge.json", ExperimentConfigTests.Synthetic()
            .Replace("\"optimizer\": { \"lr\": 5e-3 }", "\"optimizer\": { \"lr\": 1e37, \"cosine\": false }").Replace("\"K\": 2, \"B\": 1", "\"K\": 4")
            // Dense layers only: a conv layer's backward is not bitwise repeatable on several threads, and whether lr 1e37
            // overflows can hang on the last bits.
            .Replace("\"network\": \"4C3-P2-6C3-FC2\"", "\"network\": \"FC8-FC2\""));
        var (code, _, error) = Snn("train", config, "--results", results);
        Assert.Equal(1, code);
        Assert.Contains("diverged", error);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "unit")));
        Assert.True(File.Exists(Path.Combine(run, "failure.json")));
        Assert.False(File.Exists(Path.Combine(run, "summary.json")));
    }
}
