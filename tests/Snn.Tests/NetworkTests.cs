using Snn.Neurons;
using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Encoders;

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

    [Theory]
    [InlineData("BN-FC10", "'BN'")]
    [InlineData("16C5-BN-BN-FC10", "already has batch norm")]
    [InlineData("16C5-P2-BN-FC10", "order: conv-BN-P-D")]
    [InlineData("16C5-D0.2-P2-FC10", "order: conv-BN-P-D")]
    [InlineData("16C5-D1.5-FC10", "'D1.5'")]
    [InlineData("16C5-D0-FC10", "in (0, 1)")]
    [InlineData("16C5-D0.1-D0.1-FC10", "already has dropout")]
    [InlineData("16C5-FC10-BN", "readout")]
    [InlineData("16C5-FC10-D0.5", "readout")]
    [InlineData("16C5-Q3-FC10", "D0.2")]
    public void Bad_norm_and_dropout_tokens_are_named(string spec, string expected)
    {
        var e = Assert.Throws<NetworkSpecException>(() => NetworkSpec.Build(spec, [1, 28, 28]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Spec_tokens_are_recorded_on_the_stage()
    {
        var net = NetworkSpec.Build("8C3p1-bn-mp2-d0.25-FC16-BN-FC2", [1, 8, 8]);
        Assert.Equal("8C3p1-bn-mp2-d0.25", net.Stages[0].Spec);
        Assert.NotNull(net.Stages[0].Norm);
        Assert.Equal(0.25, net.Stages[0].Dropout!.Probability);
        Assert.NotNull(net.Stages[1].Norm);
        Assert.Null(net.Stages[1].Dropout);
        Assert.Equal(new long[] { 8, 4, 4 }, net.Stages[0].OutputShape);
        // After a forward pass every neuron and dropout holds state, yet the only buffers are BN's statistics.
        using var scope = torch.NewDisposeScope();
        net.forward(torch.rand([3, 2, 1, 8, 8]));
        Assert.NotNull(net.Stages[0].Dropout!.Mask);
        Assert.All(net.named_buffers(), b => Assert.Matches("norm|running_|num_batches", b.name));
        Assert.Equal(6, net.named_buffers().Count());
    }

    [Fact]
    public void Describe_counts_a_learnable_beta_as_a_neuron_parameter()
    {
        var net = NetworkSpec.Build("FC5-FC2", [3], new NetworkOptions { Neuron = LifParameters.Default with { LearnableBeta = true } });
        var d = net.Describe();
        Assert.Equal(1, d[0].NeuronParameters);
        Assert.Equal(0, d[1].NeuronParameters);
        Assert.Equal(net.ParameterCount, d.Sum(x => x.Parameters));
        Assert.Equal(3 * 5 + 5 + 1 + 5 * 2 + 2, net.ParameterCount);
    }

    [Fact]
    public void Training_steps_with_norm_dropout_learnable_beta_and_poisson_input_leak_no_tensors()
    {
        torch.manual_seed(3);
        var net = NetworkSpec.Build("4C3p1-BN-P2-D0.2-FC8-BN-D0.1-FC2", [1, 8, 8],
            new NetworkOptions { Neuron = LifParameters.Default with { LearnableBeta = true } });
        var optimizer = optim.Adam(net.parameters(), lr: 1e-3);
        var encoder = new PoissonEncoder(seed: 1);
        using var images = torch.rand(6, 1, 8, 8);
        using var labels = torch.tensor(new long[] { 0, 1, 0, 1, 0, 1 });
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            net.ResetState();
            var input = encoder.Encode(images, 6);
            foreach (var start in new[] { 0, 3 })   // two truncation windows
            {
                using var window = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(net.forward(input.narrow(0, start, 3)).mean([0]), labels);
                loss.backward();
                optimizer.step();
                net.DetachState();
            }
            net.ResetState();
        }
        Step();   // creates the optimizer state
        var stats = DisposeScopeManager.Statistics;
        var before = stats.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++) Step();
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }
}
