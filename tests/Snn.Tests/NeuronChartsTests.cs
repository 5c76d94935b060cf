using Plotly.NET;
using Snn.Charts;
using Snn.Neurons;
using TorchSharp;

namespace Snn.Tests;

public sealed class NeuronChartsTests
{
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
