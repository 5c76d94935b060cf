using System.CommandLine;
using Snn.Cli;
using Snn.Experiments;
using Snn.Networks;
using Snn.Optimization;
using Snn.Plans;
using Snn.Studies;
using Snn.Training;
using TorchSharp;

namespace Snn.Tests;

/// <summary>
/// SLTT, SLTT-K and DECOLLE as plans: the knobs their constructors set, their names, what they refuse, their config keys
/// (plan.method, plan.sampledSteps; absent from existing configs and run ids), and that they learn.
/// </summary>
public sealed class RelatedPlanTests
{
    [Fact]
    public void Named_constructors_set_the_knobs_of_their_method()
    {
        var sltt = TrainingPlan.Sltt(6);
        Assert.Equal((1, false, UpdatePolicy.Accumulate, (int?)null, RelatedMethod.Sltt), (sltt.WindowLength, sltt.IsLocal, sltt.Update, sltt.SampledSteps, sltt.Method!.Value));
        Assert.Equal(6, sltt.WindowCount);
        var slttK = TrainingPlan.SlttK(6, 2);
        Assert.Equal(sltt with { SampledSteps = 2, Method = RelatedMethod.SlttK }, slttK);
        var decolle = TrainingPlan.Decolle(6);
        Assert.Equal((1, 1, LocalHeadKind.FixedRandom, LossKind.RateMse, UpdatePolicy.PerWindowAndBlock),
            (decolle.WindowLength, decolle.BlockSize!.Value, decolle.Head, decolle.Loss, decolle.Update));
        Assert.Equal([(0, 1), (1, 1), (2, 1)], decolle.Blocks(3));

        Assert.Equal("SLTT (T=6, K=1, accumulate)", sltt.ToString());
        Assert.Equal("SLTT-K", slttK.Mode);
        Assert.Equal("SLTT-K (T=6, K=1, accumulate, 2 of 6 steps sampled)", slttK.ToString());
        Assert.Equal("DECOLLE (T=6, K=1, B=1, fixed random heads, MSE loss)", decolle.ToString());
        // The same knobs without the name keep the names they always had (and so do checkpoints and reports).
        Assert.Equal("TBPTT (T=6, K=1, accumulate)", (sltt with { Method = null }).ToString());
        Assert.Equal("TT-Local (T=6, K=1, B=1, fixed random heads, MSE loss)", (decolle with { Method = null }).ToString());
        Assert.Equal("TBPTT (T=6, K=1, accumulate, 2 of 6 steps sampled)", (slttK with { Method = null }).ToString());
    }

    [Fact]
    public void A_method_refuses_a_plan_without_its_knobs_naming_the_knob()
    {
        void Refused(string knob, Func<TrainingPlan> make, string? text = null)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => make().Validated());
            Assert.Equal(knob, e.ParamName);
            if (text is not null) Assert.Contains(text, e.Message);
        }
        Refused("SampledSteps", () => TrainingPlan.SlttK(6, 0), "1 … T = 6");
        Refused("SampledSteps", () => TrainingPlan.SlttK(6, 7), "1 … T = 6");
        Refused("SampledSteps", () => TrainingPlan.Sltt(6) with { Method = RelatedMethod.SlttK });
        Refused("SampledSteps", () => TrainingPlan.Sltt(6) with { SampledSteps = 2 }, "SLTT-K");
        Refused("SampledSteps", () => TrainingPlan.Truncated(6, 2) with { Update = UpdatePolicy.Accumulate, SampledSteps = 2 }, "K = 1");
        Refused("SampledSteps", () => TrainingPlan.Truncated(6, 1) with { SampledSteps = 2 }, "Accumulate");
        Refused("Truncation", () => TrainingPlan.Sltt(6) with { Truncation = 2 }, "SLTT trains with K = 1");
        Refused("BlockSize", () => TrainingPlan.Sltt(6) with { BlockSize = 1 }, "one block");
        Refused("Update", () => TrainingPlan.Sltt(6) with { Update = UpdatePolicy.PerWindowAndBlock }, "Accumulate");
        Refused("Truncation", () => TrainingPlan.Decolle(6) with { Truncation = 3 }, "DECOLLE");
        Refused("BlockSize", () => TrainingPlan.Decolle(6) with { BlockSize = 2 }, "B = 1");
        Refused("BlockSize", () => TrainingPlan.Decolle(6) with { BlockSize = null, BlockBoundaries = [1] });
        Refused("Head", () => TrainingPlan.Decolle(6) with { Head = LocalHeadKind.PoolLinear }, "FixedRandom");
        Refused("Update", () => TrainingPlan.Decolle(6) with { Update = UpdatePolicy.Accumulate }, "every step");
        // What does not define the method stays free: SLTT with the MSE loss, DECOLLE with cross-entropy.
        Assert.Equal(LossKind.RateMse, (TrainingPlan.Sltt(6) with { Loss = LossKind.RateMse }).Validated().Loss);
        Assert.Equal(LossKind.CrossEntropy, (TrainingPlan.Decolle(6) with { Loss = LossKind.CrossEntropy }).Validated().Loss);
    }

    private static string Synthetic(string plan) => ExperimentConfigTests.Synthetic(plan: plan);

    private static ExperimentConfigException Rejected(string plan) => Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(Synthetic(plan)));

    [Fact]
    public void Config_keys_build_the_methods_and_leave_other_configs_as_they_were()
    {
        var plain = ExperimentConfig.Parse(Synthetic("\"K\": 2, \"B\": 1"));
        Assert.DoesNotContain("method", plain.CanonicalJson);
        Assert.DoesNotContain("sampledSteps", plain.CanonicalJson);

        var sltt = ExperimentConfig.Parse(Synthetic("\"method\": \"sltt\""));
        Assert.Equal(TrainingPlan.Sltt(4), sltt.Plan);
        Assert.Contains("\"method\": \"sltt\"", sltt.CanonicalJson);
        Assert.Equal(sltt.RunId, ExperimentConfig.Parse(Synthetic("\"method\": \"SLTT\", \"K\": 1, \"B\": \"all\", \"update\": \"accumulate\"")).RunId);
        Assert.Equal(sltt.CanonicalJson, ExperimentConfig.Parse(sltt.CanonicalJson).CanonicalJson);   // canonical is a fixed point
        var slttK = ExperimentConfig.Parse(Synthetic("\"method\": \"sltt-k\", \"sampledSteps\": 2"));
        Assert.Equal(TrainingPlan.SlttK(4, 2), slttK.Plan);
        Assert.Contains("\"sampledSteps\": 2", slttK.CanonicalJson);
        Assert.Equal(slttK.CanonicalJson, ExperimentConfig.Parse(slttK.CanonicalJson).CanonicalJson);
        var decolle = ExperimentConfig.Parse(Synthetic("\"method\": \"decolle\""));
        Assert.Equal(TrainingPlan.Decolle(4), decolle.Plan);
        Assert.Equal(decolle.RunId, ExperimentConfig.Parse(Synthetic(
            "\"method\": \"decolle\", \"K\": 1, \"B\": 1, \"update\": \"per-window-and-block\", \"head\": \"fixed-random\", \"loss\": \"rate-mse\"")).RunId);
        Assert.Equal(LossKind.CrossEntropy, ExperimentConfig.Parse(Synthetic("\"method\": \"decolle\", \"loss\": \"cross-entropy\"")).Plan.Loss);

        // The knobs without the name: the same computation under its old name, another run id.
        var unnamed = ExperimentConfig.Parse(Synthetic("\"K\": 1, \"update\": \"accumulate\""));
        Assert.Equal(TrainingPlan.Sltt(4) with { Method = null }, unnamed.Plan);
        Assert.NotEqual(sltt.RunId, unnamed.RunId);
        var sampled = ExperimentConfig.Parse(Synthetic("\"K\": 1, \"update\": \"accumulate\", \"sampledSteps\": 2"));
        Assert.Equal("TBPTT (T=4, K=1, accumulate, 2 of 4 steps sampled)", sampled.Plan.ToString());
        var ids = new[] { plain.RunId, sltt.RunId, slttK.RunId, decolle.RunId, unnamed.RunId, sampled.RunId };
        Assert.Equal(ids.Length, ids.Distinct().Count());
        // A study keeps the named method apart from the unnamed plan (and SLTT-K's k apart).
        var summary = new RunSummary("unit", "x", 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 1, 1, null, new RunCosts(1, 1, 1, 1, 1, 1, 1));
        Assert.NotEqual(StudyRun.From(sltt, summary).Setting, StudyRun.From(unnamed, summary).Setting);
        Assert.NotEqual(StudyRun.From(unnamed, summary).Setting, StudyRun.From(sampled, summary).Setting);
    }

    [Theory]
    [InlineData("\"method\": \"ottt\"", "plan.method", "sltt, sltt-k, ottt-a, ottt-o, decolle")]
    [InlineData("\"method\": \"ottt-a\", \"update\": \"per-window-and-block\"", "plan.update", "accumulate")]
    [InlineData("\"method\": \"ottt-o\", \"blocks\": [1]", "plan.blocks", "one block")]
    [InlineData("\"method\": \"ottt-o\", \"presynapticTrace\": false", "plan.presynapticTrace", "the presynaptic trace")]
    [InlineData("\"method\": \"decolle\", \"presynapticTrace\": true", "plan.presynapticTrace", "ottt-a")]
    [InlineData("\"method\": \"ottt-a\", \"sampledSteps\": 2", "plan.sampledSteps", "sltt-k")]
    [InlineData("\"method\": \"sltt\", \"K\": 2", "plan.K", "K = 1")]
    [InlineData("\"method\": \"sltt\", \"B\": 1", "plan.B", "one block")]
    [InlineData("\"method\": \"sltt\", \"blocks\": [1]", "plan.blocks", "one block")]
    [InlineData("\"method\": \"sltt\", \"update\": \"per-window-and-block\"", "plan.update", "accumulate")]
    [InlineData("\"method\": \"sltt\", \"sampledSteps\": 2", "plan.sampledSteps", "sltt-k")]
    [InlineData("\"method\": \"sltt-k\"", "plan.sampledSteps", "1 … T")]
    [InlineData("\"method\": \"sltt-k\", \"sampledSteps\": 5", "plan.sampledSteps", "1 … 4")]
    [InlineData("\"method\": \"decolle\", \"B\": 2", "plan.B", "B = 1")]
    [InlineData("\"method\": \"decolle\", \"B\": \"all\"", "plan.B", "B = 1")]
    [InlineData("\"method\": \"decolle\", \"blocks\": [1]", "plan.blocks", "B = 1")]
    [InlineData("\"method\": \"decolle\", \"head\": \"pool-linear\"", "plan.head", "fixed-random")]
    [InlineData("\"method\": \"decolle\", \"update\": \"accumulate\"", "plan.update", "per-window-and-block")]
    [InlineData("\"K\": 2, \"update\": \"accumulate\", \"sampledSteps\": 2", "plan.sampledSteps", "plan.K = 1")]
    [InlineData("\"K\": 1, \"sampledSteps\": 2", "plan.sampledSteps", "accumulate")]
    public void Bad_method_settings_name_their_key(string plan, string key, string expected)
    {
        var e = Rejected(plan);
        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Train_flags_set_the_method_keys()
    {
        var flags = TrainFlags.Create();
        var command = new RootCommand();
        foreach (var (option, _) in flags) command.Add(option);
        var parsed = command.Parse(["--dataset", "mnist", "--T", "6", "--method", "sltt-k", "--sampled-steps", "2", "--optimizer", "sgd", "--lr", "0.1"]);
        Assert.Empty(parsed.Errors);
        var config = ExperimentConfigBuilder.Build(TrainFlags.Settings(parsed, flags));
        var file = ExperimentConfig.Parse("""
            { "experiment": "train", "dataset": { "name": "mnist" }, "network": "csnn", "T": 6,
              "plan": { "method": "sltt-k", "sampledSteps": 2 }, "optimizer": { "lr": 0.1, "name": "sgd" } }
            """);
        Assert.Equal(file.CanonicalJson, config.CanonicalJson);
        Assert.Equal(TrainingPlan.SlttK(6, 2), config.Plan);
    }

    [Theory]
    [InlineData("ottt-a", false)]
    [InlineData("ottt-o", true)]
    public void Train_flags_set_the_ottt_methods(string method, bool online)
    {
        var flags = TrainFlags.Create();
        var command = new RootCommand();
        foreach (var (option, _) in flags) command.Add(option);
        var parsed = command.Parse(["--dataset", "mnist", "--T", "6", "--method", method]);
        Assert.Empty(parsed.Errors);
        var config = ExperimentConfigBuilder.Build(TrainFlags.Settings(parsed, flags));
        Assert.Equal(TrainingPlan.Ottt(6, online), config.Plan);
        Assert.Equal(online ? "OTTT_O" : "OTTT_A", config.Plan.Mode);
    }

    /// <summary>
    /// On the two-class bars task (chance 50 %) each method, at the settings of its paper where the kit has them (SLTT:
    /// SGD with momentum 0.9 and a cosine schedule; DECOLLE: Adam, its code's Adamax being absent), ends above 80 % test
    /// accuracy after two epochs on a fixed seed.
    /// </summary>
    [Theory]
    [InlineData("sltt")]
    [InlineData("sltt-k")]
    [InlineData("decolle")]
    public void The_methods_learn_a_toy_task(string method)
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(512, seed: 2);
        using var test = TrainerTests.Bars(256, seed: 3);
        var net = NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]);
        var (plan, options) = method switch
        {
            "sltt" => (TrainingPlan.Sltt(4), new TrainerOptions { LearningRate = 0.1, Optimizer = OptimizerSettings.Sgd() }),
            "sltt-k" => (TrainingPlan.SlttK(4, 2), new TrainerOptions { LearningRate = 0.1, Optimizer = OptimizerSettings.Sgd() }),
            _ => (TrainingPlan.Decolle(4), new TrainerOptions { LearningRate = 1e-2 }),
        };
        var history = new Trainer(net, plan, options with { BatchSize = 32, Epochs = 2, Seed = 5, MeasureMemory = false }).Fit(train.Encoded(), test.Encoded());
        var accuracy = history.Last!.TestAccuracy!.Value;
        TestContext.Current.TestOutputHelper?.WriteLine($"{plan}: test accuracy {accuracy:P1}, train loss {history.Last.TrainLoss:G3}");
        Assert.True(accuracy > 0.8, $"{plan}: test accuracy {accuracy:P1} (chance 50 %)");
    }
}
