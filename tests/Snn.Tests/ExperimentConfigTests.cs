using Snn.Experiments;
using Snn.Plans;

namespace Snn.Tests;

/// <summary>Experiment configs: rejected with the key path named, canonical form and run id stable.</summary>
public sealed class ExperimentConfigTests
{
    /// <summary>A small valid config on the synthetic data; <paramref name="extra"/> adds or replaces top-level members.</summary>
    internal static string Synthetic(string extra = "", string plan = "\"K\": 2, \"B\": 1", string dataset = "\"name\": \"synthetic\", \"trainSubset\": 128, \"testSubset\": 32") =>
        $$"""
        {
          "experiment": "unit",
          "dataset": { {{dataset}} },
          "network": "4C3-P2-6C3-FC2",
          "T": 4,
          "plan": { {{plan}} },
          "optimizer": { "lr": 5e-3 },
          "epochs": 3,
          "batch": 32,
          "seed": 9{{(extra.Length > 0 ? ",\n" + extra : "")}}
        }
        """;

    private static ExperimentConfigException Rejected(string json) => Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(json));

    [Fact]
    public void A_valid_config_fills_the_defaults()
    {
        var c = ExperimentConfig.Parse(Synthetic());
        Assert.Equal("synthetic", c.Dataset);
        Assert.Equal("direct", c.Encoding);
        Assert.Equal(3, c.Stages);
        Assert.Equal(500, c.EvalBatch);
        Assert.Equal("cpu", c.Device);
        Assert.True(c.Cosine);
        Assert.Equal(UpdatePolicy.PerWindowAndBlock, c.Update);
        Assert.Equal("TT-Local (T=4, K=2, B=1)", c.Plan.ToString());
        Assert.Equal(12, c.RunId.Length);
        Assert.Matches("^[0-9a-f]{12}$", c.RunId);
        Assert.Contains("\"evalBatch\": 500", c.CanonicalJson);
        Assert.Contains("\"lr\": 0.005", c.CanonicalJson);
    }

    [Theory]
    [InlineData("\"epoch\": 3", "epoch", "allowed here")]
    [InlineData("\"optimizer\": { \"lr\": 1e-3, \"betas\": 0.9 }", "optimizer.betas", "cosine, lr")]
    [InlineData("\"optimizer\": { \"lr\": 1e-3, \"momentum\": 0.9 }", "optimizer.momentum", "SGD only")]
    [InlineData("\"epochs\": -1", "epochs", "≥ 1")]
    [InlineData("\"batch\": 0", "batch", "≥ 1")]
    [InlineData("\"device\": \"tpu\"", "device", "cpu, cuda or cuda:N")]
    [InlineData("\"network\": \"4C3-P2-6C3-FC10\"", "network", "FC2")]
    [InlineData("\"network\": \"4X3-FC2\"", "network", "4X3")]
    [InlineData("\"profiles\": { \"smoke\": { \"epochz\": 1 } }", "profiles.smoke.epochz", "allowed here")]
    public void Bad_top_level_values_name_their_key(string extra, string key, string allowed)
    {
        // A later duplicate of a key the template sets would be a JSON error, so replace the template's member instead.
        var json = Synthetic();
        var name = extra[1..extra.IndexOf('"', 1)];
        if (json.Contains($"\"{name}\":", StringComparison.Ordinal))
            json = System.Text.RegularExpressions.Regex.Replace(json, $"\"{name}\": (\\{{[^}}]*\\}}|[^,\\n]*)", extra);
        else json = Synthetic(extra);
        var e = Rejected(json);
        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + ":", e.Message);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void Impossible_plans_name_the_plan_key_and_the_allowed_values()
    {
        var k = Rejected(Synthetic(plan: "\"K\": 5"));
        Assert.Equal("plan.K", k.Key);
        Assert.Contains("1 … 4", k.Message);

        var b = Rejected(Synthetic(plan: "\"B\": 4"));
        Assert.Equal("plan.B", b.Key);
        Assert.Contains("3 weight stages", b.Message);

        var both = Rejected(Synthetic(plan: "\"B\": 1, \"blocks\": [1]"));
        Assert.Equal("plan.blocks", both.Key);

        var boundary = Rejected(Synthetic(plan: "\"blocks\": [1, 3]"));
        Assert.Equal("plan.blocks", boundary.Key);
        Assert.Contains("1 … 2", boundary.Message);

        var update = Rejected(Synthetic(plan: "\"update\": \"sometimes\""));
        Assert.Equal("plan.update", update.Key);
        Assert.Contains("per-window-and-block, accumulate", update.Message);

        Assert.Equal("plan.K", Rejected(Synthetic(plan: "\"K\": \"half\"")).Key);
    }

    [Fact]
    public void Bad_datasets_name_the_dataset_keys()
    {
        var unknown = Rejected(Synthetic(dataset: "\"name\": \"kmnist\""));
        Assert.Equal("dataset.name", unknown.Key);
        Assert.Contains("fashion-mnist, mnist, cifar10, emulated-n-fashion-mnist, n-mnist, dvs-gesture, cifar10-dvs, cifar10-dvs-stand-in, synthetic", unknown.Message);

        Assert.Equal("dataset", Rejected(Synthetic().Replace("\"dataset\": { \"name\": \"synthetic\", \"trainSubset\": 128, \"testSubset\": 32 },", "")).Key);
        Assert.Equal("dataset.trainSubset", Rejected(Synthetic(dataset: "\"name\": \"synthetic\", \"trainSubset\": 0")).Key);
        Assert.Equal("dataset.encoding", Rejected(Synthetic(dataset: "\"name\": \"synthetic\", \"encoding\": \"rate\"")).Key);
        Assert.Equal("dataset.timeBins", Rejected(Synthetic(dataset: "\"name\": \"synthetic\", \"timeBins\": 4")).Key);
        Assert.Equal("dataset.encoding", Rejected(Synthetic(dataset: "\"name\": \"emulated-n-fashion-mnist\", \"encoding\": \"poisson\"")).Key);
        Assert.Equal("dataset.timeBins", Rejected(Synthetic(dataset: "\"name\": \"emulated-n-fashion-mnist\", \"timeBins\": 5").Replace("4C3-P2-6C3-FC2", "4C3-P2-6C3-FC10")).Key);
    }

    [Fact]
    public void The_canonical_form_and_run_id_ignore_key_order_whitespace_and_equivalent_spellings()
    {
        var a = ExperimentConfig.Parse(Synthetic());
        var b = ExperimentConfig.Parse("""
            // the same run, written differently
            {"seed":9,"batch":32,"epochs":3,"optimizer":{"cosine":true,"lr":0.005},
             "plan":{"B":1,"K":2,"update":"Per-Window-And-Block"},"T":4,"network":"4C3-P2-6C3-FC2",
             "dataset":{"testSubset":32,"trainSubset":128,"encoding":"direct","name":"SYNTHETIC"},"experiment":"unit","device":"cpu",}
            """);
        Assert.Equal(a.CanonicalJson, b.CanonicalJson);
        Assert.Equal(a.RunId, b.RunId);
        // K = T spelled "T" or as the number is the same plan.
        Assert.Equal(ExperimentConfig.Parse(Synthetic(plan: "\"K\": \"T\"")).RunId, ExperimentConfig.Parse(Synthetic(plan: "\"K\": 4")).RunId);
        // Any setting changes the id.
        Assert.NotEqual(a.RunId, ExperimentConfig.Parse(Synthetic().Replace("\"seed\": 9", "\"seed\": 10")).RunId);
        Assert.NotEqual(a.RunId, ExperimentConfig.Parse(Synthetic(plan: "\"K\": 2, \"B\": 1, \"head\": \"fixed-random\"")).RunId);
        // The id is the hash of what config.json holds.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(a.CanonicalJson)));
        Assert.Equal(hash[..12], a.RunId);
        Assert.Equal(a.CanonicalJson, ExperimentConfig.Parse(a.CanonicalJson).CanonicalJson);   // canonical is a fixed point
    }

    [Fact]
    public void Profile_overrides_apply_for_the_active_profile_only()
    {
        var json = Synthetic("\"profiles\": { \"smoke\": { \"epochs\": 1, \"dataset\": { \"trainSubset\": 64 } } }");
        var plain = ExperimentConfig.Parse(json);
        var smoke = ExperimentConfig.Parse(json, profile: Profile.Smoke);
        var quick = ExperimentConfig.Parse(json, profile: Profile.Quick);
        Assert.Equal((3, 128), (plain.Epochs, plain.TrainSubset));
        Assert.Equal((1, 64), (smoke.Epochs, smoke.TrainSubset));
        Assert.Equal(32, smoke.TestSubset);   // merged key by key
        Assert.Equal(plain.RunId, quick.RunId);
        Assert.NotEqual(plain.RunId, smoke.RunId);
        Assert.Equal(smoke.RunId, ExperimentConfig.Parse(json.Replace("\"seed\": 9", "\"seed\": 9, \"profile\": \"smoke\"")).RunId);
    }

    [Fact]
    public void Zoo_names_resolve_to_their_specs()
    {
        var c = ExperimentConfig.Parse(Synthetic().Replace("4C3-P2-6C3-FC2", "mlp"));
        Assert.Equal("FC800-FC2", c.Network);
        Assert.Equal(2, c.Stages);
    }
}
