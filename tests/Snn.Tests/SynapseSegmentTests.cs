using Snn.Benchmarks;
using Snn.Cli;
using Snn.Experiments;
using Snn.Measurement;
using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// <see cref="SpikingNetwork.SynapseSegment"/>: a pooling stage's synapse and pooling run S steps a call. The same network
/// (float64: outputs and gradients to 1e-12, with a ragged last segment), and a conv window's synapse output no longer
/// exists whole (the exact counter: well under the whole window's peak).
/// </summary>
public sealed class SynapseSegmentTests
{
    [Theory]
    [InlineData("4C3-P2-6C3-P2-FC2", "rectangular", 2)]   // T = 5: segments of 2, 2, 1
    [InlineData("4C3-P2-6C3-P2-FC2", "fast-sigmoid", 1)]
    [InlineData("4C3-6C3p1-P2-FC2", "rectangular", 3)]     // a stage without pooling runs whole beside a segmented one
    public void Segmented_synapses_give_the_whole_windows_outputs_and_gradients_in_float64(string spec, string surrogate, int segment)
    {
        long[] shape = [2, 14, 14];
        var whole = ChannelsLastTests.Run(spec, surrogate, shape, _ => { }, steps: 5);
        var segmented = ChannelsLastTests.Run(spec, surrogate, shape, n => n.SynapseSegment = segment, steps: 5);
        ChannelsLastTests.AssertSame(whole, segmented, 1e-12);
    }

    [Fact]
    public void A_segment_must_be_at_least_one_step()
    {
        var network = NetworkSpec.Build("4C3-P2-FC2", [2, 14, 14]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => network.SynapseSegment = 0);
        Assert.Contains("synapse segment", e.Message);
        network.SynapseSegment = 2;
        Assert.Equal(2, network.SynapseSegment);
        network.SynapseSegment = null;
        Assert.Null(network.Stages[0].SynapseSegment);
    }

    [Fact]
    public void A_conv_windows_synapse_output_exists_one_segment_at_a_time()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);
        // 12C5-P2 over T = 10 frames of 2×34×34, batch 16: the window's conv output is 10·16·12·30·30·4 B = 6.6 MiB.
        long Peak(int? segment)
        {
            torch.manual_seed(3);
            var network = NetworkSpec.Build("12C5-P2-FC10", [2, 34, 34]);
            network.SynapseSegment = segment;
            var x = (torch.rand([10, 16, 2, 34, 34], generator: new torch.Generator(1)) < 0.05).to_type(ScalarType.Float32);
            void Step()
            {
                using var scope = torch.NewDisposeScope();
                network.ResetState();
                network.zero_grad();
                network.forward(x).sum().backward();
            }
            Step();
            return Enumerable.Range(0, 3).Min(_ => MemoryMeter.MeasureBoth(Step).AllocatorPeakBytes!.Value);
        }
        var whole = Peak(null);
        var segmented = Peak(2);
        Assert.True(whole > 6.6 * 1048576, $"the whole window should hold its conv output: {whole / 1048576.0:F1} MiB");
        Assert.True(segmented < 0.6 * whole, $"segments of 2 steps: {segmented / 1048576.0:F1} MiB against {whole / 1048576.0:F1} MiB whole");
    }

    [Fact]
    public void The_segment_config_key_is_optional_checked_and_reaches_the_bench_child()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        Assert.Null(plain.SynapseSegment);
        Assert.DoesNotContain("synapseSegment", plain.CanonicalJson);
        var segmented = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"synapseSegment\": 2"));
        Assert.Equal(2, segmented.SynapseSegment);
        Assert.Contains("\"synapseSegment\": 2", segmented.CanonicalJson);
        Assert.NotEqual(plain.RunId, segmented.RunId);
        var e = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"synapseSegment\": 0")));
        Assert.Equal("synapseSegment", e.Key);

        var settings = new BenchCommand.Settings([Workload.W2], ["bptt"], 3, 1, null, null, false, false, null) with { SynapseSegment = 2 };
        Assert.Equal(2, settings.Setup.SynapseSegment);
        Assert.Equal(new[] { "bench", "--workloads", "W2", "--modes", "bptt", "--steps", "3", "--warmup", "1", "--synapse-segment", "2",
            "--phase", "time", "--json", "t.json" }, BenchChild.Arguments(settings, "time", "t.json"));
    }
}
