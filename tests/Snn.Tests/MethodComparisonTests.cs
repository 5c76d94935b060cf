using Snn.Experiments;
using Snn.Networks;
using Snn.Plans;
using Snn.Studies;
using Snn.Training;

namespace Snn.Tests;

/// <summary>
/// Methods side by side (notebook 09): the aggregation of a sweep's arms per dataset over seeds, its accuracy–memory
/// front, each plan's reference, a plan moved to another T, and the interleaved step timing.
/// </summary>
public sealed class MethodComparisonTests
{
    private const string Config = """
        {
          "experiment": "unit-methods",
          "dataset": { "name": "synthetic", "trainSubset": 64, "testSubset": 32 },
          "network": "4C3-P2-6C3-FC2",
          "T": 4,
          "optimizer": { "lr": 5e-3 },
          "epochs": 1,
          "batch": 32,
          "grid": {
            "seed": [0, 1, 2],
            "arm": [
              { "name": "bptt", "plan.update": "accumulate" },
              { "name": "sltt", "plan.method": "sltt" },
              { "name": "ottt-o", "plan.method": "ottt-o" }
            ]
          }
        }
        """;

    // Planted accuracies (per seed) and peaks (MiB): BPTT most accurate and heaviest, SLTT lighter and less accurate,
    // OTTT_O as heavy as SLTT and less accurate (dominated).
    private static readonly Dictionary<string, (double[] Accuracy, double MiB, long Steps)> Planted = new()
    {
        ["bptt"] = ([0.80, 0.82, 0.84], 20, 2),
        ["sltt"] = ([0.70, 0.72, 0.74], 4, 2),
        ["ottt-o"] = ([0.60, 0.60, 0.63], 4, 8),
    };

    private static List<(ExperimentConfig, RunSummary)> Runs(Func<SweepRun, bool>? keep = null) =>
        Sweep.Parse(Config).Runs.Where(keep ?? (_ => true)).Select(r =>
        {
            var (accuracy, mib, steps) = Planted[r.Config.Arm!];
            var test = accuracy[r.Config.Seed];
            var summary = new RunSummary("unit-methods", r.Config.RunId, 1, 0.5, test + 0.05, 0.5, test, test, 1, 0.05, 1, steps,
                (long)(mib * 1024 * 1024), new RunCosts(100 * mib, 10, 1000 * mib, mib * 1024 * 1024, 1, 1, 1));
            return (r.Config, summary);
        }).ToList();

    [Fact]
    public void Aggregates_each_arm_over_its_seeds_in_run_order()
    {
        var methods = MethodComparison.Of(Runs());
        Assert.Equal(["bptt", "sltt", "ottt-o"], methods.Select(m => m.Arm));
        var bptt = methods[0];
        Assert.Equal([0, 1, 2], bptt.Seeds);
        Assert.Equal(0.82, bptt.TestAccuracy.Mean, 12);
        Assert.Equal(0.02, bptt.TestAccuracy.Std!.Value, 12);   // sample std of 0.80, 0.82, 0.84
        Assert.Equal(0.87, bptt.TrainAccuracy.Mean, 12);
        Assert.Equal(20.0 * 1024 * 1024, bptt.PeakStepBytes!.Value.Mean, 6);
        Assert.Equal((2000.0, 10.0, 20000.0), (bptt.Macs, bptt.Acs, bptt.AccessBytes));
        Assert.Equal("BPTT", bptt.Reference.Method);
        Assert.Equal((1, "2"), (bptt.UpdatesPerBatch, bptt.StepsText));
        var online = methods[2];
        Assert.Equal(RelatedMethod.OtttO, online.Plan.Method);
        Assert.Equal((4, "8"), (online.UpdatesPerBatch, online.StepsText));   // T = 4 windows of one step: an update per step
        Assert.Contains("Xiao", online.Reference.Paper);
    }

    [Fact]
    public void The_front_keeps_the_methods_no_other_beats_on_accuracy_and_memory()
    {
        var methods = MethodComparison.Of(Runs());
        var front = MethodComparison.ParetoFront(methods, methods[0].Dataset);
        Assert.Equal(["sltt", "bptt"], front.Select(m => m.Arm));   // by memory ascending; OTTT_O: as heavy as SLTT, less accurate
        Assert.Empty(MethodComparison.ParetoFront(methods, "no-such-dataset"));
    }

    [Fact]
    public void Refuses_runs_without_an_arm_or_with_a_seed_twice()
    {
        var runs = Runs();
        var twice = Assert.Throws<ArgumentException>(() => MethodComparison.Of([.. runs, runs[0]]));
        Assert.Contains("seed 0 appears 2 times", twice.Message);
        var (config, summary) = runs[0];
        var noArm = Assert.Throws<ArgumentException>(() => MethodComparison.Of([(config with { Arm = null }, summary)]));
        Assert.Contains("no arm", noArm.Message);
        var noTest = Assert.Throws<ArgumentException>(() => MethodComparison.Of([(config, summary with { FinalTestAccuracy = null })]));
        Assert.Contains("no test accuracy", noTest.Message);
    }

    [Fact]
    public void Every_plan_names_the_paper_it_follows()
    {
        foreach (var method in Enum.GetValues<RelatedMethod>())
        {
            var reference = PlanReference.Of(TrainingPlan.For(method, 8, method == RelatedMethod.SlttK ? 2 : null));
            Assert.Equal(method.Knobs().Name, reference.Method);
            Assert.Contains(method switch { RelatedMethod.Sltt or RelatedMethod.SlttK => "Meng", RelatedMethod.Decolle => "Kaiser", _ => "Xiao" },
                reference.Paper);
            Assert.False(string.IsNullOrWhiteSpace(reference.Differs));
        }
        Assert.Contains("Guo", PlanReference.Of(TrainingPlan.TruncatedLocal(8, 2, 1)).Paper);
        Assert.Contains("one update per batch", PlanReference.Of(TrainingPlan.TruncatedLocal(8, 2, 1) with { Update = UpdatePolicy.Accumulate }).Differs);
        Assert.Equal("nothing", PlanReference.Of(TrainingPlan.TruncatedLocal(8, 2, 1)).Differs);
        Assert.Contains("Werbos", PlanReference.Of(TrainingPlan.Bptt(8)).Paper);
    }

    [Fact]
    public void A_plan_moved_to_another_T_keeps_what_defines_it()
    {
        Assert.Equal(TrainingPlan.Bptt(40), TrainingPlan.Bptt(10).WithTimeSteps(40));
        Assert.Equal(TrainingPlan.Truncated(40, 2), TrainingPlan.Truncated(10, 2).WithTimeSteps(40));
        Assert.Equal(TrainingPlan.Ottt(40, online: true), TrainingPlan.Ottt(10, online: true).WithTimeSteps(40));
        Assert.Equal(TrainingPlan.SlttK(40, 2), TrainingPlan.SlttK(10, 2).WithTimeSteps(40));
        Assert.Equal(TrainingPlan.SlttK(1, 1), TrainingPlan.SlttK(10, 2).WithTimeSteps(1));   // k ≤ T
        var accumulated = TrainingPlan.Bptt(10) with { Update = UpdatePolicy.Accumulate };
        Assert.Equal(TrainingPlan.Bptt(5) with { Update = UpdatePolicy.Accumulate }, accumulated.WithTimeSteps(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Truncated(10, 4).WithTimeSteps(2));   // K = 4 > T = 2
    }

    [Fact]
    public void Step_timing_reports_every_plan_in_order()
    {
        var data = Snn.Data.SyntheticBars.Generate(16, seed: 1, "bars").Encoded();
        TrainingPlan[] plans = [TrainingPlan.Bptt(3), TrainingPlan.Sltt(3)];
        var times = PlanComparison.StepSeconds(plans, () => NetworkSpec.Build("4C3-FC2", [1, 8, 8]), new TrainerOptions { BatchSize = 8 }, data,
            warmup: 1, steps: 2, rounds: 2);
        Assert.Equal(plans, times.Select(t => t.Plan));
        Assert.All(times, t => Assert.True(t.Seconds > 0 && double.IsFinite(t.Seconds), $"{t.Plan}: {t.Seconds} s"));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlanComparison.StepSeconds(plans, () => NetworkSpec.Build("4C3-FC2", [1, 8, 8]),
            new TrainerOptions { BatchSize = 8 }, data, rounds: 0));
    }
}
