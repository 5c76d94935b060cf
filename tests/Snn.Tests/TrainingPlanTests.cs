using Snn.Networks;
using Snn.Training;
using Snn.Plans;

namespace Snn.Tests;

public sealed class TrainingPlanTests
{
    [Fact]
    public void Blocks_cover_the_stages_in_order()
    {
        Assert.Equal(new[] { (0, 4) }, TrainingPlan.Bptt(8).Blocks(4));
        Assert.Equal(new[] { (0, 1), (1, 1), (2, 1), (3, 1) }, TrainingPlan.Local(8, 1).Blocks(4));
        Assert.Equal(new[] { (0, 3), (3, 2) }, TrainingPlan.Local(8, 3).Blocks(5));
        Assert.Equal(new[] { (0, 1), (1, 3) }, (TrainingPlan.Bptt(8) with { BlockBoundaries = [1] }).Blocks(4));
        Assert.Equal(new[] { (0, 4) }, TrainingPlan.Local(8, 4).Blocks(4));
    }

    [Fact]
    public void Windows_cover_T_with_a_shorter_last_window()
    {
        Assert.Equal(new[] { (0, 3), (3, 3), (6, 2) }, TrainingPlan.Truncated(8, 3).Windows());
        Assert.Equal(3, TrainingPlan.Truncated(8, 3).WindowCount);
        Assert.Equal(new[] { (0, 8) }, TrainingPlan.Bptt(8).Windows());
    }

    [Fact]
    public void Mode_names_say_what_is_cut()
    {
        Assert.Equal("BPTT (T=10, K=10)", TrainingPlan.Bptt(10).ToString());
        Assert.Equal("TBPTT (T=10, K=2)", TrainingPlan.Truncated(10, 2).ToString());
        Assert.Equal("Local (T=10, K=10, B=1)", TrainingPlan.Local(10, 1).ToString());
        Assert.Equal("TT-Local (T=10, K=2, B=1)", TrainingPlan.TruncatedLocal(10, 2, 1).ToString());
        Assert.Equal("TBPTT (T=10, K=2, accumulate, MSE loss)",
            (TrainingPlan.Truncated(10, 2) with { Update = UpdatePolicy.Accumulate, Loss = LossKind.RateMse }).ToString());
    }

    [Fact]
    public void Impossible_plans_name_the_knob()
    {
        Assert.Equal("Truncation", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Truncated(4, 5)).ParamName);
        Assert.Equal("Truncation", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Truncated(4, 0)).ParamName);
        Assert.Equal("BlockSize", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Local(4, 0)).ParamName);
        var tooBig = Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Local(4, 5).Blocks(3));
        Assert.Equal("BlockSize", tooBig.ParamName);
        Assert.Contains("3 weight stages", tooBig.Message);
        var notIncreasing = Assert.Throws<ArgumentException>(() => (TrainingPlan.Bptt(4) with { BlockBoundaries = [2, 2] }).Validated());
        Assert.Contains("strictly increasing", notIncreasing.Message);
        Assert.Throws<ArgumentException>(() => (TrainingPlan.Bptt(4) with { BlockBoundaries = [0] }).Validated());
        Assert.Throws<ArgumentException>(() => (TrainingPlan.Bptt(4) with { BlockBoundaries = [3] }).Blocks(3));
        Assert.Throws<ArgumentException>(() => (TrainingPlan.Local(4, 1) with { BlockBoundaries = [1] }).Validated());
        var net = NetworkSpec.Build("4C3-FC2", [1, 8, 8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(net, TrainingPlan.Local(4, 3)));
    }
}
