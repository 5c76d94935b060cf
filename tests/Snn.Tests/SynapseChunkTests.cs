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
/// <see cref="SpikingNetwork.SynapseChunk"/>: a pooling stage's synapse and pooling run at most C samples a call. The same
/// network (float64: outputs and gradients to 1e-12, with chunks of whole steps, across steps and a ragged last one), and
/// a conv window's synapse output no longer exists whole (the exact counter: well under the whole window's peak).
/// </summary>
public sealed class SynapseChunkTests
{
    [Theory]
    [InlineData("4C3-P2-6C3-P2-FC2", "rectangular", 6)]   // T = 5, batch 3: chunks of two steps (6, 6, 3 samples)
    [InlineData("4C3-P2-6C3-P2-FC2", "fast-sigmoid", 4)]  // chunks across steps (4, 4, 4, 3)
    [InlineData("4C3-6C3p1-P2-FC2", "rectangular", 1)]    // a stage without pooling runs whole beside a chunked one
    public void Chunked_synapses_give_the_whole_windows_outputs_and_gradients_in_float64(string spec, string surrogate, int chunk)
    {
        long[] shape = [2, 14, 14];
        var whole = ChannelsLastTests.Run(spec, surrogate, shape, _ => { }, steps: 5);
        var chunked = ChannelsLastTests.Run(spec, surrogate, shape, n => n.SynapseChunk = chunk, steps: 5);
        ChannelsLastTests.AssertSame(whole, chunked, 1e-12);
    }

    [Fact]
    public void A_chunk_must_be_at_least_one_sample()
    {
        var network = NetworkSpec.Build("4C3-P2-FC2", [2, 14, 14]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => network.SynapseChunk = 0);
        Assert.Contains("synapse chunk", e.Message);
        network.SynapseChunk = 2;
        Assert.Equal(2, network.SynapseChunk);
        network.SynapseChunk = null;
        Assert.Null(network.Stages[0].SynapseChunk);
    }

    [Fact]
    public void A_conv_windows_synapse_output_exists_one_chunk_at_a_time()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);
        // 12C5-P2 over T = 10 frames of 2×34×34, batch 16: the window's conv output is 10·16·12·30·30·4 B = 6.6 MiB.
        long Peak(int? chunk)
        {
            torch.manual_seed(3);
            var network = NetworkSpec.Build("12C5-P2-FC10", [2, 34, 34]);
            network.SynapseChunk = chunk;
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
        var chunked = Peak(32);   // two steps of 16
        Assert.True(whole > 6.6 * 1048576, $"the whole window should hold its conv output: {whole / 1048576.0:F1} MiB");
        Assert.True(chunked < 0.6 * whole, $"chunks of 32 samples: {chunked / 1048576.0:F1} MiB against {whole / 1048576.0:F1} MiB whole");
    }

    [Fact]
    public void The_chunk_config_key_is_optional_checked_and_reaches_the_bench_child()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        Assert.Null(plain.SynapseChunk);
        Assert.DoesNotContain("synapseChunk", plain.CanonicalJson);
        var chunked = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"synapseChunk\": 64"));
        Assert.Equal(64, chunked.SynapseChunk);
        Assert.Contains("\"synapseChunk\": 64", chunked.CanonicalJson);
        Assert.NotEqual(plain.RunId, chunked.RunId);
        var e = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"synapseChunk\": 0")));
        Assert.Equal("synapseChunk", e.Key);

        var settings = new BenchCommand.Settings([Workload.W2], ["bptt"], 3, 1, null, null, false, false, null) with { SynapseChunk = 64 };
        Assert.Equal(64, settings.Setup.SynapseChunk);
        Assert.Equal(new[] { "bench", "--workloads", "W2", "--modes", "bptt", "--steps", "3", "--warmup", "1", "--synapse-chunk", "64",
            "--phase", "time", "--json", "t.json" }, BenchChild.Arguments(settings, "time", "t.json"));
    }
}
