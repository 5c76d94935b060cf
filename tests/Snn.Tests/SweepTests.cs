using Snn.Cli;
using Snn.Experiments;

namespace Snn.Tests;

/// <summary>Sweeps: grid expansion and validation, shards that split without overlap, and `snn sweep` end to end.</summary>
public sealed class SweepTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn sweep ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    internal static string Grid(string grid = "\"plan.K\": [4, 2], \"plan.B\": [\"all\", 1], \"seed\": [0, 1]", string extra = "") =>
        ExperimentConfigTests.Synthetic($"\"grid\": {{ {grid} }}{(extra.Length > 0 ? ",\n" + extra : "")}", dataset: "\"name\": \"synthetic\", \"trainSubset\": 64, \"testSubset\": 32")
            .Replace("\"epochs\": 3", "\"epochs\": 2");

    private string Write(string name, string json)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_grid_expands_first_key_slowest_into_distinct_runs()
    {
        var sweep = Sweep.Parse(Grid());
        Assert.Equal(8, sweep.Runs.Count);
        Assert.Equal(0, sweep.Duplicates);
        Assert.Equal(8, sweep.Runs.Select(r => r.Config.RunId).Distinct().Count());
        Assert.Equal([4, 4, 4, 4, 2, 2, 2, 2], sweep.Runs.Select(r => r.Config.Truncation));
        Assert.Equal([null, null, 1, 1, null, null, 1, 1], sweep.Runs.Select(r => r.Config.BlockSize));
        Assert.Equal([0, 1, 0, 1, 0, 1, 0, 1], sweep.Runs.Select(r => r.Config.Seed));
        Assert.Equal(Enumerable.Range(0, 8), sweep.Runs.Select(r => r.Index));
        Assert.Equal("plan.K = 2, plan.B = 1, seed = 1", sweep.Runs[7].Label);
        // Each run is exactly the config one would write by hand.
        var byHand = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"K\": 2, \"B\": 1", dataset: "\"name\": \"synthetic\", \"trainSubset\": 64, \"testSubset\": 32")
            .Replace("\"epochs\": 3", "\"epochs\": 2").Replace("\"seed\": 9", "\"seed\": 1"));
        Assert.Equal(byHand.CanonicalJson, sweep.Runs[7].Config.CanonicalJson);
        Assert.Equal(byHand.RunId, sweep.Runs[7].Config.RunId);
    }

    [Fact]
    public void Equal_runs_in_the_grid_are_one_run_and_objects_replace_whole_subtrees()
    {
        var sweep = Sweep.Parse(Grid("\"plan.K\": [\"T\", 4, 1]"));
        Assert.Equal(2, sweep.Runs.Count);   // K = "T" and K = 4 with T = 4 are the same run
        Assert.Equal(1, sweep.Duplicates);

        var datasets = Sweep.Parse(Grid("\"dataset\": [{ \"name\": \"synthetic\", \"trainSubset\": 64 }, { \"name\": \"synthetic\", \"trainSubset\": 32, \"encoding\": \"poisson\" }]"));
        Assert.Equal([64, 32], datasets.Runs.Select(r => r.Config.TrainSubset));
        Assert.Equal(["direct", "poisson"], datasets.Runs.Select(r => r.Config.Encoding));
        Assert.Equal([64, 64], datasets.Runs.Select(r => r.Config.TestSubset));   // synthetic default: the subtree was replaced
    }

    [Fact]
    public void Arm_bundles_set_their_keys_together_and_label_the_run()
    {
        var sweep = Sweep.Parse(Grid("""
            "seed": [0, 1], "arm": [{ "name": "bptt" }, { "name": "tbptt-k1-pw", "plan.K": 1, "plan.update": "per-window-and-block" },
                                    { "name": "bptt-matched-k1", "batch": 8 }, "label-only"]
            """));
        Assert.Equal(8, sweep.Runs.Count);
        Assert.Equal(["bptt", "tbptt-k1-pw", "bptt-matched-k1", "label-only"], sweep.Runs.Take(4).Select(r => r.Config.Arm));
        var (bptt, pw, matched, label) = (sweep.Runs[0].Config, sweep.Runs[1].Config, sweep.Runs[2].Config, sweep.Runs[3].Config);
        var plain = Sweep.Parse(Grid("\"seed\": [0]")).Runs[0].Config;   // the base config: an arm without keys changes nothing else
        Assert.Equal((plain.Truncation, plain.Update, plain.Batch), (bptt.Truncation, bptt.Update, bptt.Batch));
        Assert.Equal((1, Snn.Plans.UpdatePolicy.PerWindowAndBlock, plain.Batch), (pw.Truncation, pw.Update, pw.Batch));
        Assert.Equal((plain.Truncation, plain.Update, 8), (matched.Truncation, matched.Update, matched.Batch));
        // The label is part of the run: the same settings under two arm names are two runs, and a config without it keeps its id.
        Assert.Equal(bptt.CanonicalJson.Replace("\"arm\": \"bptt\"", "\"arm\": \"label-only\""), label.CanonicalJson);
        Assert.NotEqual(bptt.RunId, label.RunId);
        Assert.DoesNotContain("\"arm\"", Sweep.Parse(Grid("\"seed\": [0]")).Runs[0].Config.CanonicalJson);

        var noName = Assert.Throws<ExperimentConfigException>(() => Sweep.Parse(Grid("\"arm\": [{ \"plan.K\": 1 }]")));
        Assert.Equal("grid.arm[0].name", noName.Key);
        var badKey = Assert.Throws<ExperimentConfigException>(() => Sweep.Parse(Grid("\"arm\": [{ \"name\": \"x\", \"experiment\": \"y\" }]")));
        Assert.Equal("grid.arm[0].experiment", badKey.Key);
        var badLabel = Assert.Throws<ExperimentConfigException>(() => Sweep.Parse(Grid("\"arm\": [\"two words\"]")));
        Assert.Equal("arm", badLabel.Key);
    }

    [Fact]
    public void Profile_overrides_apply_to_every_run()
    {
        var json = Grid("\"seed\": [0, 1]", "\"profiles\": { \"smoke\": { \"epochs\": 1 } }");
        Assert.All(Sweep.Parse(json, profile: Profile.Smoke).Runs, r => Assert.Equal(1, r.Config.Epochs));
        Assert.All(Sweep.Parse(json, profile: Profile.Quick).Runs, r => Assert.Equal(2, r.Config.Epochs));
    }

    [Theory]
    [InlineData("\"plan.K\": [4, 9]", "plan.K", "plan.K = 9")]
    [InlineData("\"plan.Q\": [1]", "plan.Q", "unknown key")]
    [InlineData("\"seed\": 3", "grid.seed", "non-empty array")]
    [InlineData("\"seed\": []", "grid.seed", "non-empty array")]
    [InlineData("\"experiment\": [\"a\", \"b\"]", "grid.experiment", "one sweep is one experiment")]
    [InlineData("\"epochs.x\": [1]", "grid.epochs.x", "not an object")]
    [InlineData("\"plan.B\": [1, 4]", "plan.B", "exceeds the 3 weight stages")]
    public void A_bad_grid_names_the_key_and_the_combination(string grid, string key, string message)
    {
        var e = Assert.Throws<ExperimentConfigException>(() => Sweep.Parse(Grid(grid)));
        Assert.Equal(key, e.Key);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Shards_partition_the_runs()
    {
        var sweep = Sweep.Parse(Grid());
        for (var n = 1; n <= 9; n++)
        {
            var shards = Enumerable.Range(0, n).Select(i => sweep.Shard(i, n)).ToList();
            Assert.Equal(sweep.Runs.Select(r => r.Index), shards.SelectMany(s => s).Select(r => r.Index).Order());
        }
        Assert.Equal([1, 4, 7], sweep.Shard(1, 3).Select(r => r.Index));
        Assert.Throws<ArgumentOutOfRangeException>(() => sweep.Shard(3, 3));
    }

    [Fact]
    public void The_shard_comes_from_the_option_or_from_slurm()
    {
        static Func<string, string?> Env(params (string Key, string Value)[] values) => k => values.FirstOrDefault(v => v.Key == k).Value;
        Assert.Equal((2, 5, "--shard"), SweepShard.Resolve("2/5", Env((SweepShard.SlurmTaskId, "0"))));
        Assert.Equal((0, 1, "all runs"), SweepShard.Resolve(null, Env()));
        Assert.Equal((3, 4), Pair(SweepShard.Resolve(null, Env((SweepShard.SlurmTaskId, "3"), (SweepShard.SlurmTaskCount, "4")))));
        Assert.Equal((2, 4), Pair(SweepShard.Resolve(null, Env((SweepShard.SlurmTaskId, "3"), (SweepShard.SlurmTaskCount, "4"), (SweepShard.SlurmTaskMin, "1")))));
        // --array=0-10:2: tasks 0, 2 … 10 are shards 0 … 5 of 6.
        Assert.Equal((4, 6), Pair(SweepShard.Resolve(null, Env((SweepShard.SlurmTaskId, "8"), (SweepShard.SlurmTaskCount, "6"), (SweepShard.SlurmTaskStep, "2")))));
        foreach (var bad in new[] { "2/2", "-1/2", "1", "a/b", "0/0" })
            Assert.Contains("--shard", Assert.Throws<FormatException>(() => SweepShard.Resolve(bad, Env())).Message);
        Assert.Contains(SweepShard.SlurmTaskCount, Assert.Throws<FormatException>(() => SweepShard.Resolve(null, Env((SweepShard.SlurmTaskId, "1")))).Message);
        Assert.Contains("--array=0-3", Assert.Throws<FormatException>(() => SweepShard.Resolve(null, Env((SweepShard.SlurmTaskId, "7"), (SweepShard.SlurmTaskCount, "4")))).Message);

        static (int, int) Pair((int Index, int Count, string) s) => (s.Index, s.Count);
    }

    [Fact]
    public void Two_shards_give_the_same_runs_as_one_process_and_a_rerun_trains_nothing()
    {
        var config = Write("grid.json", Grid("\"plan.K\": [4, 2], \"seed\": [0, 1]"));
        var (sharded, whole) = (Path.Combine(dir, "sharded"), Path.Combine(dir, "whole"));
        foreach (var shard in new[] { "1/2", "0/2" })
        {
            var (code, output, error) = ConsoleCapture.Snn("sweep", config, "--results", sharded, "--shard", shard);
            Assert.True(code == 0, error);
            Assert.Contains("2 trained, 0 already done, 0 failed", output);
            var (reported, table, reportError) = ConsoleCapture.Snn("report", sharded, "--sweep", config, "--out", Path.Combine(dir, "report"));
            Assert.True(reported == 0, reportError);
            Assert.Contains(shard == "1/2" ? "2 run(s): 2 finished, 0 failed, 0 incomplete, 2 missing" : "4 run(s): 4 finished, 0 failed, 0 incomplete, 0 missing", table);
        }
        var (c, o, e) = ConsoleCapture.Snn("sweep", config, "--results", whole);
        Assert.True(c == 0, e);
        Assert.Contains("4 trained", o);

        var runs = Directory.GetDirectories(Path.Combine(whole, "unit")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(4, runs.Count);
        Assert.Equal(runs, Directory.GetDirectories(Path.Combine(sharded, "unit")).Select(Path.GetFileName).Order());
        foreach (var run in runs)
        {
            string Read(string root, string file) => File.ReadAllText(Path.Combine(root, "unit", run!, file));
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "unit", run!, ExperimentRunner.ModelFile)), File.ReadAllBytes(Path.Combine(sharded, "unit", run!, ExperimentRunner.ModelFile)));
            Assert.Equal(Read(whole, ExperimentRunner.ConfigFile), Read(sharded, ExperimentRunner.ConfigFile));
            var (a, b) = (ExperimentRunner.ReadSummary(Path.Combine(whole, "unit", run!))!, ExperimentRunner.ReadSummary(Path.Combine(sharded, "unit", run!))!);
            Assert.Equal(a with { TotalSeconds = 0, PeakStepBytes = null }, b with { TotalSeconds = 0, PeakStepBytes = null });
        }

        (c, o, e) = ConsoleCapture.Snn("sweep", config, "--results", whole);
        Assert.True(c == 0, e);
        Assert.Contains("0 trained, 4 already done", o);
        Assert.Contains("4 runs; 4 runs here, 4 already done", o);
        (c, o, _) = ConsoleCapture.Snn("sweep", config, "--results", whole, "--list", "--shard", "0/2");
        Assert.Equal(0, c);
        Assert.Equal(2, o.Split('\n').Count(l => l.Contains(" done ")));
    }

    [Fact]
    public void A_bad_sweep_exits_2_and_writes_nothing()
    {
        var results = Path.Combine(dir, "results");
        foreach (var (json, expected) in new[]
        {
            (Grid("\"plan.K\": [4, 9]"), "plan.K"),
            (Grid("\"plan.B\": [1, 4]"), "plan.B"),
            (Grid("\"plan.K\": [1]", "\"colour\": \"red\""), "colour: unknown key"),
            (Grid("\"dataset.name\": [\"synthetic\", \"fashion-mnist\"]"), "network"),   // FC2 does not fit 10 classes
        })
        {
            var (code, _, error) = ConsoleCapture.Snn("sweep", Write("bad.json", json), "--results", results);
            Assert.Equal(2, code);
            Assert.Contains(expected, error);
            Assert.False(Directory.Exists(results));
        }
        var (c, _, err) = ConsoleCapture.Snn("sweep", Write("ok.json", Grid()), "--results", results, "--shard", "2/2");
        Assert.Equal(2, c);
        Assert.Contains("--shard", err);
        Assert.False(Directory.Exists(results));
    }

    [Theory]
    [InlineData(Profile.Smoke)]
    [InlineData(Profile.Quick)]
    [InlineData(Profile.Full)]
    public void Every_shipped_config_expands_in_every_profile(Profile profile)
    {
        var configs = Directory.GetFiles(Path.Combine(ArchitectureTests.RepositoryRoot(), "configs"), "*.json");
        string[] shipped = ["paper-cpu", "frame-fashion-mnist", "event-emulated-n-fashion-mnist", "frame-mnist", "frame-cifar10",
            "event-n-mnist", "event-dvs-gesture", "event-cifar10-dvs", "alexnet-cifar10dvs"];
        string[] studies = ["paper-study"];
        string[] comparisons = ["related-methods"];
        Assert.Equal(shipped.Concat(studies).Concat(comparisons).ToHashSet(), configs.Select(c => Path.GetFileNameWithoutExtension(c)).ToHashSet());
        foreach (var path in configs.Where(c => comparisons.Contains(Path.GetFileNameWithoutExtension(c))))
        {
            // Methods side by side: every related method and BPTT as named arms over 3 seeds and every dataset; equal optimizer
            // steps (accumulate) except for the methods that are online by definition.
            var sweep = Sweep.Load(path, profile);
            var arms = sweep.Runs.Select(r => r.Config.Arm!).Distinct().ToList();
            Assert.Contains("bptt", arms);
            Assert.Equal(Enum.GetValues<Snn.Plans.RelatedMethod>().ToHashSet(), sweep.Runs.Select(r => r.Config.Plan.Method).OfType<Snn.Plans.RelatedMethod>().ToHashSet());
            Assert.Equal(3, sweep.Runs.Select(r => r.Config.Seed).Distinct().Count());
            Assert.Equal(arms.Count * 3 * sweep.Runs.Select(r => r.Config.Dataset).Distinct().Count(), sweep.Runs.Count);
            Assert.All(sweep.Runs, r => Assert.Equal(r.Config.Plan.Method is Snn.Plans.RelatedMethod.OtttO or Snn.Plans.RelatedMethod.Decolle
                ? Snn.Plans.UpdatePolicy.PerWindowAndBlock : Snn.Plans.UpdatePolicy.Accumulate, r.Config.Update));
        }
        foreach (var path in configs.Where(c => studies.Contains(Path.GetFileNameWithoutExtension(c))))
        {
            // A pre-registered study: named arms, each over every seed and dataset, BPTT among them.
            var sweep = Sweep.Load(path, profile);
            Assert.All(sweep.Runs, r => Assert.NotNull(r.Config.Arm));
            var arms = sweep.Runs.Select(r => r.Config.Arm).Distinct().ToList();
            Assert.Contains("bptt", arms);
            var seeds = sweep.Runs.Select(r => r.Config.Seed).Distinct().Count();
            Assert.True(seeds >= 8, $"{path}: {seeds} seeds");
            Assert.Equal(arms.Count * seeds * sweep.Runs.Select(r => r.Config.Dataset).Distinct().Count(), sweep.Runs.Count);
            Assert.Contains(sweep.Runs, r => r.Config is { Arm: "bptt", Update: Snn.Plans.UpdatePolicy.Accumulate, BlockSize: null } c && c.Truncation == c.TimeSteps);
        }
        foreach (var path in configs.Where(c => shipped.Contains(Path.GetFileNameWithoutExtension(c))))
        {
            var sweep = Sweep.Load(path, profile);
            var plans = sweep.Runs.Select(r => (r.Config.Truncation, r.Config.BlockSize, r.Config.TimeSteps)).Distinct().ToList();
            // The K × B studies have the full grid; the AlexNet headline has BPTT and a few TT-Local plans.
            Assert.True(plans.Count >= (Path.GetFileName(path) == "alexnet-cifar10dvs.json" ? 5 : 12), $"{path}: {plans.Count} plans");
            Assert.Contains(plans, p => p.Truncation == p.TimeSteps && p.BlockSize is null);   // BPTT is always the reference
            Assert.Equal(3, sweep.Runs.Select(r => r.Config.Seed).Distinct().Count());   // ≥ 3 seeds per configuration
            Assert.Equal(plans.Count * 3 * sweep.Runs.Select(r => r.Config.Dataset).Distinct().Count(), sweep.Runs.Count);
            Assert.All(sweep.Runs, r => Assert.Equal(Snn.Plans.UpdatePolicy.Accumulate, r.Config.Update));   // equal optimizer steps
        }
    }
}
