using Snn.Benchmarks;
using Snn.Plans;
using Snn.Training;
using TorchSharp;

namespace Snn.Tests;

/// <summary>
/// `snn bench --modes` names the related methods (SLTT, SLTT-K, OTTT_A, OTTT_O, DECOLLE) as plans of the workload's T,
/// runs them only when asked (the default set stays BPTT, TBPTT, TT-Local), and a step of each trains the workload.
/// </summary>
public sealed class RelatedBenchModesTests
{
    [Fact]
    public void Related_modes_are_the_named_plans_and_the_default_set_is_unchanged()
    {
        Assert.Equal(["bptt", "tbptt", "tt-local"], Workload.Modes);
        var w = Workload.W1;
        Assert.Equal(TrainingPlan.Sltt(w.TimeSteps), w.Plan("sltt"));
        Assert.Equal(TrainingPlan.SlttK(w.TimeSteps, w.TimeSteps / 5), w.Plan("sltt-k"));
        Assert.Equal(TrainingPlan.Ottt(w.TimeSteps, online: false), w.Plan("ottt-a"));
        Assert.Equal(TrainingPlan.Ottt(w.TimeSteps, online: true), w.Plan("ottt-o"));
        Assert.Equal(TrainingPlan.Decolle(w.TimeSteps), w.Plan("decolle"));
        Assert.Equal(["SLTT", "SLTT-K", "OTTT_A", "OTTT_O", "DECOLLE"], Workload.RelatedModes.Select(m => w.Plan(m).Mode));
        var unknown = Assert.Throws<ArgumentException>(() => w.Plan("fastest"));
        Assert.Contains("decolle", unknown.Message);
    }

    [Theory]
    [InlineData("sltt")]
    [InlineData("sltt-k")]
    [InlineData("ottt-a")]
    [InlineData("ottt-o")]
    [InlineData("decolle")]
    public void A_bench_step_of_each_related_mode_changes_the_weights(string mode)
    {
        using var scope = torch.NewDisposeScope();
        var w = Workload.W2;
        var (network, _) = Bench.Prepare(w);
        var trainer = new Trainer(network, w.Plan(mode), new TrainerOptions { BatchSize = w.Batch, MeasureMemory = false });
        var before = network.parameters().Select(p => p.detach().clone()).ToList();
        Bench.Step(trainer, w)();
        var moved = network.parameters().Zip(before, (p, b) => (p - b).abs().max().item<float>()).ToList();
        Assert.All(moved, m => Assert.True(float.IsFinite(m)));
        Assert.True(moved.Max() > 0, $"{mode}: no weight moved in one step");
    }

    [Fact]
    public void The_cli_accepts_a_related_mode_and_refuses_an_unknown_one()
    {
        var (code, _, error) = ConsoleCapture.Snn("bench", "--modes", "sltt,fastest");
        Assert.Equal(2, code);
        Assert.Contains("fastest", error);
        Assert.Contains("ottt-a", error);
    }
}
