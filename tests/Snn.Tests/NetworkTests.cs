using Snn.Neurons;
using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

public sealed class NetworkTests
{
    [Fact]
    public void Spec_builds_stages_with_shapes()
    {
        var net = NetworkSpec.Build("16C5-P2-32C3p1-AP2-FC64-FC10", [1, 28, 28]);
        Assert.Equal(4, net.Stages.Count);
        Assert.Equal(new long[] { 16, 12, 12 }, net.Stages[0].OutputShape);
        Assert.Equal(new long[] { 32, 6, 6 }, net.Stages[1].OutputShape);
        Assert.Equal(new long[] { 64 }, net.Stages[2].OutputShape);
        Assert.Equal(10, net.Classes);
        Assert.False(net.Stages[^1].IsSpiking);
        Assert.Equal(16 * 25 + 16 + 32 * 16 * 9 + 32 + 64 * 32 * 36 + 64 + 10 * 64 + 10, net.ParameterCount);
    }

    [Theory]
    [InlineData("16C5-X2-FC10", "'X2'")]
    [InlineData("16C5-P2-32C5-P2-64C5-FC10", "'64C5'")]
    [InlineData("FC10-16C3", "'16C3'")]
    [InlineData("P2-FC10", "'P2'")]
    [InlineData("16C5-P2", "must end with an FC")]
    [InlineData("16C5-P2-P2-FC10", "'P2'")]
    public void Bad_specs_name_the_token(string spec, string expected)
    {
        var e = Assert.Throws<NetworkSpecException>(() => NetworkSpec.Build(spec, [1, 28, 28]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Kernel_too_large_names_the_shape()
    {
        var e = Assert.Throws<NetworkSpecException>(() => NetworkSpec.Build("16C5-P2-32C5-P2-64C5-FC10", [1, 28, 28]));
        Assert.Contains("32×4×4", e.Message);
    }

    [Fact]
    public void Time_folded_forward_equals_the_step_by_step_loop()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var net = NetworkSpec.Build("6C3p1-P2-8C3-FC12-FC4", [2, 10, 10]);
        net.to(ScalarType.Float64);
        var x = (torch.rand([7, 5, 2, 10, 10], dtype: ScalarType.Float64) < 0.3).to_type(ScalarType.Float64) * 2.0;
        net.ResetState();
        var folded = net.ForwardStages(x).Select(t => t.detach()).ToList();
        net.ResetState();
        var stepped = Enumerable.Range(0, 7).Select(t => net.ForwardStages(x.narrow(0, t, 1)).Select(o => o.detach()).ToList()).ToList();
        for (var s = 0; s < folded.Count; s++)
        {
            var loop = torch.cat(stepped.Select(step => step[s]).ToArray());
            if (net.Stages[s].IsSpiking) Assert.True(folded[s].eq(loop).all().item<bool>(), $"stage {s} spikes differ");
            Assert.True(torch.allclose(folded[s], loop, rtol: 0, atol: 1e-12), $"stage {s} differs");
        }
        // The hidden layers are neither silent nor saturated, so the comparison means something.
        var rate = folded[0].mean().item<double>();
        Assert.InRange(rate, 0.02, 0.98);
    }

    [Fact]
    public void Constant_input_shortcut_equals_explicit_copies()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var net = NetworkSpec.Build("4C3-FC3", [1, 6, 6]);
        var image = torch.rand(2, 1, 6, 6);
        var expanded = image.unsqueeze(0).expand(5, 2, 1, 6, 6);   // stride 0 in time
        var copies = expanded.contiguous();
        net.ResetState();
        var a = net.forward(expanded);
        net.ResetState();
        var b = net.forward(copies);
        Assert.True(torch.allclose(a, b, rtol: 1e-6, atol: 1e-6));
    }
}
