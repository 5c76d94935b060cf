using Snn.Costs;
using TorchSharp;

namespace Snn.Tests;

public sealed class MemoryMeterTests
{
    [Fact]
    public void Meter_sees_a_large_allocation_and_not_a_small_one()
    {
        if (!MemoryMeter.IsSupported) return;   // Linux only
        var big = MemoryMeter.Measure(() =>
        {
            using var t = torch.ones(16L << 20);   // 64 MiB of float32, touched
            _ = t.sum().item<float>();
        });
        var small = MemoryMeter.Measure(() => { using var t = torch.ones(1024); });
        Assert.NotNull(big);
        Assert.InRange(big!.Value, 60L << 20, 200L << 20);
        Assert.True(small < 16L << 20, $"a 4 KiB allocation measured {MemoryMeter.Format(small)}");
    }
}
