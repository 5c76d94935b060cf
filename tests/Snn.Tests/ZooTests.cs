using Snn.Layers;
using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

public sealed class ZooTests(ITestOutputHelper output)
{
    [Fact]
    public void Describe_matches_hand_counts()
    {
        var d = NetworkSpec.Build("16C5s2p1-BN-AP2-D0.1-FC64-FC10", [2, 28, 28]).Describe();
        Assert.Equal(3, d.Count);
        // conv: (28 + 2 − 5)/2 + 1 = 13 → avg pool 2 → 6
        Assert.Equal(SynapseKind.Conv, d[0].Synapse);
        Assert.Equal(new long[] { 16, 13, 13 }, d[0].SynapseShape);
        Assert.Equal(new long[] { 16, 6, 6 }, d[0].OutputShape);
        Assert.Equal((5, 2, 1, PoolKind.Average, 2), (d[0].Kernel, d[0].Stride, d[0].Padding, d[0].Pool, d[0].PoolSize));
        Assert.Equal(2 * 5 * 5, d[0].FanIn);
        Assert.Equal(16 * 2 * 25, d[0].Weights);
        Assert.Equal(16, d[0].Biases);
        Assert.Equal(32, d[0].NormParameters);
        Assert.Equal(16L * 13 * 13 * 50, d[0].SynapseMacs);
        Assert.True(d[0].BatchNorm);
        Assert.Equal(0.1, d[0].Dropout);
        Assert.Equal(16 * 36, d[1].FanIn);
        Assert.Equal(64 * 576 + 64, d[1].Parameters);
        Assert.False(d[2].IsSpiking);
        Assert.Equal(10 * 64, d[2].SynapseMacs);
        var net = NetworkSpec.Build("16C5s2p1-BN-AP2-D0.1-FC64-FC10", [2, 28, 28]);
        Assert.Equal(net.ParameterCount, net.Describe().Sum(s => s.Parameters));
    }

    [Fact]
    public void Zoo_networks_have_the_documented_shapes()
    {
        Assert.Equal(784L * 800 + 800 + 8010, Zoo.Mlp().ParameterCount);
        Assert.Equal(new long[] { 16, 5, 5 }, Zoo.LeNet().Stages[1].OutputShape);
        Assert.Equal(10, Zoo.Vgg().Classes);
        Assert.Equal("64C3p1-P2-192C3p1-P2-384C3p1-256C3p1-256C3p1-P2-FC1024-FC10", Zoo.AlexNetSpec(64, batchNorm: false));
        foreach (var (size, flat) in new[] { (48, 256L * 6 * 6), (64, 256L * 8 * 8), (128, 256L * 8 * 8) })
        {
            var d = Zoo.AlexNet(size, classes: 11).Describe();
            Assert.Equal(new long[] { flat }, d[^2].InputShape.Length == 1 ? d[^2].InputShape : [d[^2].InputShape.Aggregate(1L, (a, b) => a * b)]);
            Assert.Equal(new long[] { 11 }, d[^1].OutputShape);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Zoo.AlexNetSpec(32));
    }

    [Fact]
    public void AlexNet_trains_one_step_on_event_frames_and_its_deep_layers_fire()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var net = Zoo.AlexNet(64);
        var x = (torch.rand([10, 8, 2, 64, 64]) < 0.05).to_type(ScalarType.Float32);
        var labels = torch.randint(0, 10, [8]);
        var rates = Probes.FiringRates(net, x);
        output.WriteLine($"AlexNet-64 with tdBN, Bernoulli(0.05) input, T=10: firing rates {string.Join(", ", rates.Select(r => r.ToString("P2")))}");
        Assert.Equal(6, rates.Length);
        foreach (var (r, i) in rates.Select((r, i) => (r, i))) Assert.True(r > 0.01 && r < 0.6, $"stage {i} fires at {r:P2}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var norms = Probes.WeightGradientNorms(net, x, labels);
        output.WriteLine($"AlexNet-64 forward+backward, T=10, batch 8, CPU: {clock.Elapsed.TotalSeconds:F2} s");
        Assert.All(norms, n => Assert.True(n > 0 && double.IsFinite(n), $"gradient norms {string.Join(", ", norms)}"));
    }

    [Fact]
    public void Plain_W3_AlexNet_with_default_init_is_silent_in_deep_layers()
    {
        // Documents why Zoo.AlexNet adds tdBN by default (docs/workloads.md, W3). If this starts failing, revisit the default.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var net = Zoo.AlexNet(64, batchNorm: false);
        var x = (torch.rand([10, 4, 2, 64, 64]) < 0.05).to_type(ScalarType.Float32);
        var rates = Probes.FiringRates(net, x);
        output.WriteLine($"plain W3 AlexNet-64, Bernoulli(0.05) input, T=10: firing rates {string.Join(", ", rates.Select(r => r.ToString("P3")))}");
        Assert.True(rates[^1] < 1e-3, $"rates {string.Join(", ", rates)}");
    }

    [Fact]
    public void Calibration_wakes_the_plain_W3_AlexNet_without_changing_its_architecture()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var net = Zoo.AlexNet(64, batchNorm: false);
        var x = (torch.rand([10, 2, 2, 64, 64]) < 0.05).to_type(ScalarType.Float32);
        var factors = Calibration.ScaleToFiringRate(net, x, targetRate: 0.1);
        var rates = Probes.FiringRates(net, x);
        output.WriteLine($"calibrated plain W3 AlexNet-64: factors {string.Join(", ", factors.Select(f => f.ToString("G3")))}; rates {string.Join(", ", rates.Select(r => r.ToString("P2")))}");
        Assert.All(rates, r => Assert.InRange(r, 0.09, 0.11));
        Assert.Equal(1.0, factors[^1]);
        Assert.True(net.training);
        var norms = Probes.WeightGradientNorms(net, x, torch.randint(0, 10, [2]));
        Assert.All(norms, n => Assert.True(n > 0, $"gradient norms {string.Join(", ", norms)}"));
    }

    [Fact]
    public void Vgg_and_LeNet_run_forward_and_backward()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(12);
        var vgg = Zoo.Vgg(width: 0.125);
        Assert.Equal(8, vgg.Describe().Count(d => d.BatchNorm));
        var x = torch.rand([3, 2, 3, 32, 32]);
        Assert.All(Probes.WeightGradientNorms(vgg, x, torch.tensor(new long[] { 1, 2 })), n => Assert.True(n > 0));
        var lenet = Zoo.LeNet(batchNorm: true);
        Assert.All(Probes.WeightGradientNorms(lenet, torch.rand([3, 2, 1, 28, 28]), torch.tensor(new long[] { 1, 2 })), n => Assert.True(n > 0));
    }

    [Fact]
    public void Calibration_refuses_a_silent_input()
    {
        using var scope = torch.NewDisposeScope();
        var net = NetworkSpec.Build("FC4-FC2", [3]);
        var e = Assert.Throws<InvalidOperationException>(() => Calibration.ScaleToFiringRate(net, torch.zeros(2, 1, 3)));
        Assert.Contains("FC4", e.Message);
    }
}
