using Snn.Costs;
using Snn.Networks;
using Snn.Plans;
using Snn.Studies;
using Snn.Training;

namespace Snn.Tests;

public sealed class HeadlineComparisonTests
{
    private static readonly TrainingPlan Bptt = TrainingPlan.Bptt(4) with { Update = UpdatePolicy.Accumulate };
    private static readonly TrainingPlan TtLocal = TrainingPlan.TruncatedLocal(4, 1, 1) with { Update = UpdatePolicy.Accumulate };

    // A finished run with one epoch of the given test accuracy and measured peak step (bytes).
    private static PlanRun Run(SpikingNetwork network, TrainingPlan plan, double accuracy, long? peak)
    {
        var history = new TrainingHistory("net", plan);
        history.Epochs.Add(new EpochMetrics(1, 1.0, 0.5, 1.0, accuracy, 1, 16, 1e-3, PeakStepBytes: peak));
        return new PlanRun(plan, history, new Trainer(network, plan));
    }

    [Fact]
    public void Changes_are_relative_to_the_baseline_and_accuracy_is_also_in_points()
    {
        var network = NetworkSpec.Build("8C3-P2-16C3-FC10", [2, 8, 8]);
        var stages = network.Describe();
        var options = new CostOptions { AnalogInput = false, InputRate = 0.2 };
        var (bpttCosts, localCosts) = (CostModel.Estimate(stages, Bptt, 16, options), CostModel.Estimate(stages, TtLocal, 16, options));
        var h = HeadlineComparison.Of(Run(network, Bptt, 0.40, 200L << 20), Run(network, TtLocal, 0.45, 20L << 20), bpttCosts, localCosts);

        Assert.Equal(5.0, h.AccuracyPoints, 10);
        Assert.Equal(12.5, h.AccuracyChange, 10);
        Assert.Equal(-90.0, h.MeasuredPeakStepChange!.Value, 10);
        Assert.Equal(100 * ((localCosts.PeakStepBytes + localCosts.PersistentBytes) / (bpttCosts.PeakStepBytes + bpttCosts.PersistentBytes) - 1), h.ModelMemoryChange, 10);
        Assert.Equal(100 * (localCosts.AccessBytes / bpttCosts.AccessBytes - 1), h.AccessChange, 10);
        Assert.Equal(100 * (localCosts.Macs / bpttCosts.Macs - 1), h.MacsChange, 10);
        Assert.True(h.MacsChange < 0, "B = 1 propagates no error between layers: fewer MACs");
        Assert.Equal([7.26, -89.94, -89.94, -10.79, -99.64], h.Rows.Select(r => r.Paper));
        Assert.Equal([h.AccuracyPoints, -90.0, h.ModelMemoryChange, h.AccessChange, h.MacsChange], h.Rows.Select(r => r.Ours));
    }

    [Fact]
    public void Without_a_measurement_the_measured_change_is_missing_and_costs_of_another_plan_are_refused()
    {
        var network = NetworkSpec.Build("8C3-P2-FC10", [2, 8, 8]);
        var stages = network.Describe();
        var (bpttCosts, localCosts) = (CostModel.Estimate(stages, Bptt, 4), CostModel.Estimate(stages, TtLocal, 4));
        var (baseline, local) = (Run(network, Bptt, 0.5, null), Run(network, TtLocal, 0.5, 1 << 20));
        var h = HeadlineComparison.Of(baseline, local, bpttCosts, localCosts);
        Assert.Null(h.MeasuredPeakStepChange);
        Assert.True(double.IsNaN(h.Rows[1].Ours));
        Assert.Equal(0, h.AccuracyPoints);
        Assert.Equal("planCosts", Assert.Throws<ArgumentException>(() => HeadlineComparison.Of(baseline, local, bpttCosts, bpttCosts)).ParamName);
        Assert.Equal("baselineCosts", Assert.Throws<ArgumentException>(() => HeadlineComparison.Of(baseline, local, localCosts, localCosts)).ParamName);
    }
}
