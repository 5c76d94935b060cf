using Snn.Benchmarks;
using Snn.Costs;
using Snn.Measurement;

namespace Snn.Tests;

/// <summary>
/// `snn bench --input once`: the event frames are drawn before the steps, as plain PyTorch benchmark loops do, so the
/// steps' peaks leave them out and the model column leaves out the cost model's encoded input.
/// </summary>
public sealed class BenchInputTests
{
    // A small event workload: 2×34×34 frames, T = 10, batch 16 (encoded input 10·16·2·34·34·4 B = 1.41 MiB).
    private static readonly Workload Events = new("WX", "small-event", "6C5-P2-FC10", [2, 34, 34], 10, 16, 0.05, false);

    [Fact]
    public void Frames_encoded_once_are_outside_the_measured_step_and_the_model_column()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);
        var encoded = CostModel.Estimate(Events.Build().Describe(), Events.Plan("tbptt"), Events.Batch, Events.CostOptions()).EncodedInputBytes;
        Assert.Equal(10.0 * 16 * 2 * 34 * 34 * 4, encoded);
        // Earlier tests' tensors freed by the finalizer thread during a measured step would lower its peak (read 0.91 once).
        FinishPendingFrees();
        var perStep = BenchRun.Memory([Events], ["tbptt"], BenchSetup.Default, _ => { }).Rows.Single();
        FinishPendingFrees();
        var once = BenchRun.Memory([Events], ["tbptt"], new BenchSetup(Input: BenchInput.Once), _ => { });
        var row = once.Rows.Single();
        Assert.Equal("once", once.Input);
        Assert.Equal(perStep.ModelPeakBytes - encoded, row.ModelPeakBytes, 6);
        // The frames are alive through every step drawn inside it, so its peak holds them; drawn once, they are not counted.
        var saved = (double)(perStep.MeasuredPeakBytes!.Value - row.MeasuredPeakBytes!.Value);
        Assert.InRange(saved / encoded, 0.95, 1.05);
    }

    private static void FinishPendingFrees()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void Direct_input_is_a_view_either_way_so_the_model_column_keeps_it()
    {
        var w = Workload.W1 with { TimeSteps = 5, Batch = 8 };
        var perStep = BenchRun.Memory([w], ["bptt"], BenchSetup.Default, _ => { }).Rows.Single();
        var once = BenchRun.Memory([w], ["bptt"], new BenchSetup(Input: BenchInput.Once), _ => { }).Rows.Single();
        Assert.Equal(perStep.ModelPeakBytes, once.ModelPeakBytes);
    }
}
