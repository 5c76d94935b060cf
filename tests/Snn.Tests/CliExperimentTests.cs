using System.CommandLine;
using Snn.Cli;
using Snn.Experiments;

namespace Snn.Tests;

/// <summary>
/// `snn train CONFIG.json` and its flag form: exit 2 for a bad config with the key named and nothing written, 0 on
/// success (and for a finished run), 1 when training diverges; flags build the config a file would hold.
/// </summary>
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
        Assert.Contains("--dataset", error);
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
    public void A_run_with_channels_last_and_segmented_synapses_records_both_in_its_config()
    {
        var results = Path.Combine(dir, "results");
        // A second convolution on four channels (channels-last applies) and two pooling stages (chunks apply), T = 4.
        var (code, output, error) = Snn("train", "--dataset", "synthetic", "--train-samples", "64", "--test-samples", "32", "--experiment", "knobs",
            "--spec", "4C3-P2-6C1-P3-FC2", "--T", "4", "--epochs", "1", "--batch", "32", "--conv-layout", "channels-last", "--synapse-chunk", "16",
            "--results", results);
        Assert.True(code == 0, error);
        Assert.Contains("test accuracy", output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "knobs")));
        var config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.Contains("\"convolutionLayout\": \"channels-last\"", config);
        Assert.Contains("\"synapseChunk\": 16", config);
    }

    /// <summary>The config the flags of `snn train` build (<see cref="TrainFlags"/>), without running it.</summary>
    private static ExperimentConfig FlagConfig(params string[] args)
    {
        var flags = TrainFlags.Create();
        var command = new RootCommand();
        foreach (var (option, _) in flags) command.Add(option);
        var parsed = command.Parse(args);
        Assert.Empty(parsed.Errors);
        return ExperimentConfigBuilder.Build(TrainFlags.Settings(parsed, flags));
    }

    [Fact]
    public void Flags_left_out_take_the_defaults_of_a_config()
    {
        var flags = FlagConfig("--dataset", "mnist");   // parsing reads no data
        var config = ExperimentConfig.Parse("""{ "experiment": "train", "dataset": { "name": "mnist" }, "network": "csnn" }""");
        Assert.Equal(config.CanonicalJson, flags.CanonicalJson);
        Assert.Equal(config.RunId, flags.RunId);
        Assert.Equal(1e-3, flags.LearningRate);   // not the 3e-3 of the old flag form
        Assert.Equal((4, 4, null), (flags.TimeSteps, flags.Truncation, flags.BlockSize));
    }

    [Fact]
    public void Every_flag_sets_its_config_key()
    {
        var flags = FlagConfig("--experiment", "unit", "--dataset", "mnist", "--encoding", "poisson", "--train-samples", "64", "--test-samples", "32",
            "--network", "lenet", "--T", "6", "--K", "3", "--blocks", "1,2", "--update", "accumulate", "--head", "fixed-random", "--loss", "rate-mse",
            "--loss-window", "1", "--lr", "5e-3", "--cosine", "false", "--epochs", "2", "--batch", "16", "--eval-batch", "8", "--seed", "7",
            "--device", "cpu", "--precision", "bf16", "--conv-layout", "channels-last", "--synapse-chunk", "2", "--eval-train", "--eval-every", "2",
            "--arm", "a1");
        var config = ExperimentConfig.Parse("""
            {
              "experiment": "unit", "dataset": { "name": "mnist", "encoding": "poisson", "trainSubset": 64, "testSubset": 32 },
              "network": "lenet", "T": 6,
              "plan": { "K": 3, "blocks": [1, 2], "update": "accumulate", "head": "fixed-random", "loss": "rate-mse", "lossWindow": 1 },
              "optimizer": { "lr": 5e-3, "cosine": false }, "epochs": 2, "batch": 16, "evalBatch": 8, "seed": 7, "device": "cpu",
              "precision": "bf16", "convolutionLayout": "channels-last", "synapseChunk": 2, "evalTrain": true, "evalEvery": 2, "arm": "a1"
            }
            """);
        Assert.Equal(config.CanonicalJson, flags.CanonicalJson);
        var sized = FlagConfig("--dataset", "cifar10-dvs", "--size", "32", "--spec", "4C3-P2-FC10", "--B", "1");
        Assert.Equal((32, 1), (sized.Size, sized.BlockSize));
    }

    [Fact]
    public void Flags_and_the_equivalent_config_run_into_the_same_folder()
    {
        var results = Path.Combine(dir, "results");
        var (code, output, error) = Snn("train", "--dataset", "synthetic", "--train-samples", "64", "--test-samples", "32", "--experiment", "unit",
            "--spec", "FC8-FC2", "--T", "4", "--K", "2", "--B", "1", "--lr", "5e-3", "--epochs", "1", "--batch", "32", "--results", results);
        Assert.True(code == 0, error);
        Assert.Contains("test accuracy", output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "unit")));
        var config = Write("unit.json", """
            { "experiment": "unit", "dataset": { "name": "synthetic", "trainSubset": 64, "testSubset": 32 }, "network": "FC8-FC2", "T": 4,
              "plan": { "K": 2, "B": 1 }, "optimizer": { "lr": 5e-3 }, "epochs": 1, "batch": 32 }
            """);
        Assert.Equal(ExperimentConfig.Load(config).RunId, Path.GetFileName(run));
        (code, output, error) = Snn("train", config, "--results", results);
        Assert.True(code == 0, error);
        Assert.Contains("already done", output);
        Assert.Equal(run, Assert.Single(Directory.GetDirectories(Path.Combine(results, "unit"))));
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
