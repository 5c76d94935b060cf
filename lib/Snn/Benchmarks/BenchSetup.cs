using Snn.Layers;

namespace Snn.Benchmarks;

/// <summary>
/// How `snn bench` sets up every row: <paramref name="Recompute"/> (TrainerOptions.RecomputeSegment, W4: the layer's
/// Stage.RecomputeSegment; null: off), the synapses' <paramref name="Precision"/> (float32 or bf16), where the input is
/// encoded (<paramref name="Input"/>), the convolutions' memory layout (<paramref name="Layout"/>) and the network's
/// SynapseChunk (<paramref name="SynapseChunk"/>: samples per call of a pooling stage's synapse and pooling; null: off).
/// </summary>
public sealed record BenchSetup(
    int? Recompute = null, string Precision = "float32", BenchInput Input = BenchInput.PerStep, ConvolutionLayout Layout = ConvolutionLayout.Planar,
    int? SynapseChunk = null)
{
    /// <summary>The default setup: no recomputation, float32, input encoded in each step, planar convolutions.</summary>
    public static BenchSetup Default { get; } = new();

    /// <summary>The name of <see cref="Input"/> in reports and on the command line: per-step or once.</summary>
    public string InputLabel => Input == BenchInput.Once ? "once" : "per-step";

    /// <summary>The name of <see cref="Layout"/> in reports: planar or channels-last.</summary>
    public string LayoutLabel => Layout == ConvolutionLayout.ChannelsLast ? "channels-last" : "planar";
}
