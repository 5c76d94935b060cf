using System.CommandLine;
using Snn.Cli;
using Snn.Experiments;
using Snn.Optimization;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// The config keys optimizer.name, .momentum, .weightDecay and .nesterov: parsed, checked naming the key, and absent
/// from the canonical form (and run id) of Adam without weight decay, so every existing config keeps its id.
/// </summary>
public sealed class OptimizerConfigTests
{
    private static string Synthetic(string optimizer) =>
        ExperimentConfigTests.Synthetic().Replace("\"optimizer\": { \"lr\": 5e-3 }", $"\"optimizer\": {{ {optimizer} }}", StringComparison.Ordinal);

    private static ExperimentConfigException Rejected(string json) => Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(json));

    [Fact]
    public void Adam_configs_keep_their_canonical_form_and_run_id()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        // The optimizer object as it was before these keys existed: lr and cosine only.
        Assert.Contains("\"optimizer\": {\n    \"cosine\": true,\n    \"lr\": 0.005\n  },", plain.CanonicalJson);
        Assert.Equal(new OptimizerSettings(), plain.Optimizer);
        Assert.Equal(new OptimizerSettings(), plain.TrainerOptions().Optimizer);
        foreach (var same in new[] { "\"lr\": 5e-3, \"name\": \"adam\"", "\"lr\": 5e-3, \"name\": \"ADAM\", \"weightDecay\": 0", "\"lr\": 5e-3, \"weightDecay\": null" })
        {
            var c = ExperimentConfig.Parse(Synthetic(same));
            Assert.Equal(plain.CanonicalJson, c.CanonicalJson);
            Assert.Equal(plain.RunId, c.RunId);
        }
    }

    [Fact]
    public void Sgd_and_weight_decay_are_part_of_the_config_and_the_run_id()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        var sgd = ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\""));
        Assert.Equal(OptimizerSettings.Sgd(), sgd.Optimizer);
        Assert.Equal(OptimizerSettings.Sgd(), sgd.TrainerOptions().Optimizer);
        Assert.Contains("\"optimizer\": {\n    \"cosine\": true,\n    \"lr\": 0.1,\n    \"momentum\": 0.9,\n    \"name\": \"sgd\"\n  },", sgd.CanonicalJson);
        Assert.Equal(sgd.CanonicalJson, ExperimentConfig.Parse(sgd.CanonicalJson).CanonicalJson);   // canonical is a fixed point
        // Momentum 0.9 written out is the default; any other setting is another run.
        Assert.Equal(sgd.RunId, ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\", \"momentum\": 0.9, \"nesterov\": false")).RunId);
        var ids = new[]
        {
            plain.RunId, sgd.RunId,
            ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\", \"momentum\": 0")).RunId,
            ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\", \"nesterov\": true")).RunId,
            ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\", \"weightDecay\": 5e-4")).RunId,
            ExperimentConfig.Parse(Synthetic("\"lr\": 5e-3, \"weightDecay\": 5e-4")).RunId,
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
        var full = ExperimentConfig.Parse(Synthetic("\"lr\": 0.1, \"name\": \"sgd\", \"momentum\": 0.5, \"weightDecay\": 5e-4, \"nesterov\": true"));
        Assert.Equal(OptimizerSettings.Sgd(0.5, 5e-4, nesterov: true), full.Optimizer);
        Assert.Equal(OptimizerSettings.Adam(5e-4), ExperimentConfig.Parse(Synthetic("\"lr\": 5e-3, \"weightDecay\": 5e-4")).Optimizer);
        // A study keeps SGD runs apart from Adam runs of the same plan.
        var summary = new RunSummary("unit", "x", 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 1, 1, null, new RunCosts(1, 1, 1, 1, 1, 1, 1));
        var adamLr = ExperimentConfig.Parse(Synthetic("\"lr\": 0.1"));
        Assert.NotEqual(StudyRun.From(adamLr, summary).Setting, StudyRun.From(sgd, summary).Setting);
        Assert.Equal(StudyRun.From(plain, summary).Setting, StudyRun.From(ExperimentConfig.Parse(Synthetic("\"lr\": 5e-3, \"name\": \"adam\"")), summary).Setting);
    }

    [Theory]
    [InlineData("\"name\": \"rmsprop\"", "optimizer.name", "adam, sgd")]
    [InlineData("\"momentum\": 0.9", "optimizer.momentum", "SGD only")]
    [InlineData("\"name\": \"adam\", \"nesterov\": true", "optimizer.nesterov", "SGD only")]
    [InlineData("\"name\": \"sgd\", \"momentum\": 1", "optimizer.momentum", "[0, 1)")]
    [InlineData("\"name\": \"sgd\", \"momentum\": -0.1", "optimizer.momentum", "[0, 1)")]
    [InlineData("\"name\": \"sgd\", \"momentum\": \"high\"", "optimizer.momentum", "[0, 1)")]
    [InlineData("\"weightDecay\": -1e-4", "optimizer.weightDecay", "≥ 0")]
    [InlineData("\"name\": \"sgd\", \"momentum\": 0, \"nesterov\": true", "optimizer.nesterov", "momentum > 0")]
    [InlineData("\"name\": \"sgd\", \"beta\": 0.9", "optimizer.beta", "cosine, lr, momentum, name, nesterov, weightDecay")]
    public void Bad_optimizer_settings_name_their_key(string settings, string key, string expected)
    {
        var e = Rejected(Synthetic("\"lr\": 0.1, " + settings));
        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Train_flags_set_the_optimizer_keys()
    {
        var flags = TrainFlags.Create();
        var command = new RootCommand();
        foreach (var (option, _) in flags) command.Add(option);
        var parsed = command.Parse(["--dataset", "mnist", "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.8", "--weight-decay", "5e-4", "--nesterov"]);
        Assert.Empty(parsed.Errors);
        var config = ExperimentConfigBuilder.Build(TrainFlags.Settings(parsed, flags));
        var file = ExperimentConfig.Parse("""
            { "experiment": "train", "dataset": { "name": "mnist" }, "network": "csnn",
              "optimizer": { "lr": 0.1, "name": "sgd", "momentum": 0.8, "weightDecay": 5e-4, "nesterov": true } }
            """);
        Assert.Equal(file.CanonicalJson, config.CanonicalJson);
        Assert.Equal(OptimizerSettings.Sgd(0.8, 5e-4, nesterov: true), config.Optimizer);
    }
}
