using Plotly.NET;
using Snn.Charts;
using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Encoders;

namespace Snn.Tests;

public sealed class CoreExtrasTests
{
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
    public void Trace_matches_the_hand_computed_hard_reset_trace()
    {
        var (u, s) = Lif.Trace([0.3, 0.4, 0.2, 0.6, 0.1], LifParameters.Default);
        Assert.Equal(new[] { 0.3, 0.55, 0.2, 0.7, 0.1 }, u.Select(v => Math.Round(v, 12)));
        Assert.Equal(new double[] { 0, 1, 0, 1, 0 }, s);
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

    [Fact]
    public void Neuron_charts_build_from_library_values()
    {
        using var scope = torch.NewDisposeScope();
        var traces = NeuronCharts.MembraneTraces([0.3, 0.6, 0.1], [("hard", LifParameters.Default), ("soft", LifParameters.Default with { Reset = ResetMode.Soft })]);
        var surrogates = NeuronCharts.Surrogates([new Rectangular(), new ArcTan()]);
        var grads = NeuronCharts.GradientNormsByDepth([("w = 1", [1.0, 0.5, 0.0])]);
        var rasters = NeuronCharts.LayerRasters([("a", torch.ones(3, 2, 4)), ("b", torch.zeros(3, 2, 5))]);
        var page = ChartHtml.Page("t", traces, surrogates, grads, rasters);
        Assert.Contains("spikes: hard (1)", page);
        Assert.Contains("arctan", page);
        Assert.Contains("b (0.0", page);
        Assert.Throws<ArgumentException>(() => NeuronCharts.Surrogates([]));
        _ = (GenericChart)traces;
    }
}
