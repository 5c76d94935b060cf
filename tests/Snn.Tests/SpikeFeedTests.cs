using Snn.Layers;
using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// A LIF stage whose window feeds its spikes straight into the next stage's linear synapse (<see cref="Stage.ForwardFeeding"/>,
/// one autograd node) against the two stages called in turn, in float64 over two windows whose state carries on (detached):
/// outputs, spike counts, carried state and every gradient bitwise equal.
/// </summary>
public sealed class SpikeFeedTests
{

    public static TheoryData<string, string, ResetMode, bool> Cases()
    {
        var data = new TheoryData<string, string, ResetMode, bool>();
        foreach (var surrogate in new[] { "rectangular", "fast-sigmoid" })
            foreach (var reset in new[] { ResetMode.Hard, ResetMode.Soft })
            {
                data.Add("FC6-FC4-FC2", surrogate, reset, false);
                data.Add("FC6-FC4-FC2", surrogate, reset, true);   // a constant input: the first stage's repeated-current window
                data.Add("3C3-FC5-FC2", surrogate, reset, false);   // a conv stage feeding Flatten → Linear
            }
        return data;
    }

    private static SpikingNetwork Build(string spec, string surrogate, ResetMode reset, long[] inputShape)
    {
        torch.manual_seed(7);
        var neuron = LifCases.Parameters(surrogate, reset, beta: 0.8, threshold: 0.3, width: 0.9, slope: 4.0);
        var network = NetworkSpec.Build(spec, inputShape, new NetworkOptions { Neuron = neuron });
        network.to(ScalarType.Float64);
        return network;
    }

    /// <summary>
    /// Two windows of 5 steps through stages 0 and 1, then the readout, each window with its own backward and the state
    /// detached between them; <paramref name="feed"/>: stage 0 feeds stage 1's synapse.
    /// </summary>
    private static (Tensor Output, Tensor SpikeSums, Tensor Membrane, Tensor[] Gradients) Run(SpikingNetwork network, long[] inputShape, bool constant,
        bool feed, int batch = 3)
    {
        const int steps = 5;
        var g = new torch.Generator(5);
        var x = (torch.rand([2 * steps, batch, .. inputShape], generator: g, dtype: ScalarType.Float64) * 1.5).requires_grad_();
        var constantFrame = (torch.rand([batch, .. inputShape], generator: g, dtype: ScalarType.Float64) * 1.5).requires_grad_();
        var classes = network.Stages[^1].OutputShape[^1];
        var lossWeights = torch.randn([2 * steps, batch, classes], generator: g, dtype: ScalarType.Float64);
        var (s0, s1, readout) = (network.Stages[0], network.Stages[1], network.Stages[2]);
        var outputs = new List<Tensor>();
        var spikeSums = new List<Tensor>();
        for (var w = 0; w < 2; w++)
        {
            var input = constant ? constantFrame.unsqueeze(0).expand([steps, batch, .. inputShape]) : x.narrow(0, w * steps, steps);
            Tensor hidden;
            if (feed)
            {
                Assert.True(s0.FeedsInto(s1, input), "the first stage should feed the second's synapse");
                var (fed, spikeSum) = s0.ForwardFeeding(input, s1);
                spikeSums.Add(spikeSum);
                hidden = fed;
            }
            else
            {
                var spikes = s0.forward(input);
                spikeSums.Add(spikes.detach().sum().to_type(ScalarType.Float64));
                hidden = s1.forward(spikes);
            }
            var output = readout.forward(hidden);
            outputs.Add(output.detach());
            (output * lossWeights.narrow(0, w * steps, steps)).sum().backward();
            network.DetachState();
        }
        var gradients = network.parameters().Select(p => p.grad!.clone()).Append((constant ? constantFrame : x).grad!.clone()).ToArray();
        var membrane = ((LifNeuron)s0.Neuron).Membrane!.detach().clone();
        return (torch.cat(outputs), torch.stack(spikeSums), membrane, gradients);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Feeding_the_next_synapse_equals_the_two_stages_in_turn(string spec, string surrogate, ResetMode reset, bool constant) =>
        AssertFeedingEqualsTurns(spec, surrogate, reset, constant, batch: 3);

    [Fact]
    public void Feeding_equals_the_two_stages_when_the_weight_gradient_chunks_start_inside_a_step()
    {
        // 5 steps × 100 samples of 600 spikes: the bool-spike weight gradient sums chunks of 2¹⁸ / 600 = 436 rows, so the
        // second chunk starts at step 4, sample 36, and its rows come from two steps' codes.
        Assert.Equal(436, SpikeLinearFunction.ChunkElements / 600);
        AssertFeedingEqualsTurns("FC600-FC4-FC2", "rectangular", ResetMode.Soft, constant: false, batch: 100);
    }

    private static void AssertFeedingEqualsTurns(string spec, string surrogate, ResetMode reset, bool constant, int batch)
    {
        using var scope = torch.NewDisposeScope();
        long[] inputShape = spec.StartsWith("FC") ? [7] : [2, 6, 6];
        var reference = Run(Build(spec, surrogate, reset, inputShape), inputShape, constant, feed: false, batch);
        var fed = Run(Build(spec, surrogate, reset, inputShape), inputShape, constant, feed: true, batch);

        var firing = reference.SpikeSums.sum().item<double>();
        Assert.True(firing > 1, $"the first stage should fire (fired {firing})");
        Assert.True(reference.Output.equal(fed.Output).all().item<bool>(), "readout outputs differ");
        Assert.True(reference.SpikeSums.equal(fed.SpikeSums).all().item<bool>(), "spike counts differ");
        Assert.True(reference.Membrane.equal(fed.Membrane).all().item<bool>(), "carried membranes differ");
        Assert.Equal(reference.Gradients.Length, fed.Gradients.Length);
        for (var i = 0; i < reference.Gradients.Length; i++)
        {
            Assert.True(reference.Gradients[i].abs().max().item<double>() > 0, $"gradient {i} should not vanish");
            Assert.True(reference.Gradients[i].equal(fed.Gradients[i]).all().item<bool>(),
                $"gradient {i} differs by {(reference.Gradients[i] - fed.Gradients[i]).abs().max().item<double>():E2}");
        }
    }

    [Fact]
    public void The_network_forward_feeds_and_matches_its_stages_in_turn()
    {
        using var scope = torch.NewDisposeScope();
        (Tensor Output, Tensor[] Gradients) Run(bool whole)
        {
            var network = Build("FC6-FC4-FC2", "rectangular", ResetMode.Hard, [7]);
            var x = torch.rand([5, 3, 7], generator: new torch.Generator(3), dtype: ScalarType.Float64) * 1.5;
            var output = whole ? network.forward(x) : network.Stages.Aggregate(x, (h, stage) => stage.forward(h));
            (output * torch.linspace(-1, 1, output.numel(), dtype: ScalarType.Float64).view(output.shape)).sum().backward();
            return (output.detach(), [.. network.parameters().Select(p => p.grad!.clone())]);
        }
        var (output, gradients) = Run(whole: true);
        var (expected, expectedGradients) = Run(whole: false);
        Assert.True(output.equal(expected).all().item<bool>(), "outputs differ");
        Assert.All(gradients.Zip(expectedGradients), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>(), "a gradient differs"));
        Assert.Contains(gradients, g => g.abs().max().item<double>() > 0);
    }

    [Fact]
    public void Feeding_is_declined_where_the_next_synapse_would_not_keep_bool_spikes()
    {
        using var scope = torch.NewDisposeScope();
        var network = Build("FC6-FC4-FC2", "rectangular", ResetMode.Hard, [7]);
        var input = torch.rand([5, 3, 7], dtype: ScalarType.Float64).requires_grad_();
        Assert.True(network.Stages[0].FeedsInto(network.Stages[1], input));
        using (torch.no_grad()) Assert.False(network.Stages[0].FeedsInto(network.Stages[1], input));   // no graph: nothing to save
        network.Stages[1].Compact = false;
        Assert.False(network.Stages[0].FeedsInto(network.Stages[1], input));
        network.Stages[1].Compact = true;
        // One sample and one step: the bool copy would not pay for the weight-sized gradient copy it costs.
        Assert.False(network.Stages[0].FeedsInto(network.Stages[1], torch.rand([1, 1, 7], dtype: ScalarType.Float64).requires_grad_()));
        ((LifNeuron)network.Stages[0].Neuron).Fused = false;
        Assert.False(network.Stages[0].FeedsInto(network.Stages[1], input));
    }
}
