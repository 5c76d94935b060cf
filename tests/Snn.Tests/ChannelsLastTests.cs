using Snn.Experiments;
using Snn.Layers;
using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// <see cref="ConvolutionLayout.ChannelsLast"/> is the same network as the planar layout: in float64 (where no rounding
/// order matters at this tolerance) outputs and every gradient agree to 1e-12, and the convolution really ran channels-last;
/// its max pooling hands back the planar pooling's gradient, bitwise, in the channels-last layout.
/// </summary>
public sealed class ChannelsLastTests
{
    [Theory]
    [InlineData("4C3-P2-6C3-P2-FC2", "rectangular")]   // conv → pool → LIF twice, as W2
    [InlineData("4C3-6C3p1-FC2", "fast-sigmoid")]     // a conv's output straight into the neuron
    public void Channels_last_convolutions_give_the_planar_outputs_and_gradients_in_float64(string spec, string surrogate)
    {
        long[] shape = [2, 14, 14];
        var planar = Run(spec, surrogate, shape, n => n.ConvolutionLayout = ConvolutionLayout.Planar);
        var last = Run(spec, surrogate, shape, n => n.ConvolutionLayout = ConvolutionLayout.ChannelsLast);
        AssertSame(planar, last, 1e-12);
    }

    /// <summary>Outputs within <paramref name="tolerance"/> and every gradient within it relative to its norm; none vanishes.</summary>
    internal static void AssertSame((Tensor Output, Tensor[] Gradients) expected, (Tensor Output, Tensor[] Gradients) actual, double tolerance)
    {
        Assert.True(expected.Output.abs().sum().item<double>() > 0, "the readout should see spikes");
        Assert.True(expected.Output.allclose(actual.Output, rtol: 0, atol: tolerance));
        Assert.Equal(expected.Gradients.Length, actual.Gradients.Length);
        for (var i = 0; i < expected.Gradients.Length; i++)
        {
            Assert.True(expected.Gradients[i].abs().max().item<double>() > 0, $"gradient {i} should not vanish");
            var error = ((expected.Gradients[i] - actual.Gradients[i]).norm() / expected.Gradients[i].norm()).item<double>();
            Assert.True(error < tolerance, $"gradient {i}: relative difference {error:E2}");
        }
    }

    [Fact]
    public void The_setting_reaches_every_multichannel_convolution_and_spares_a_one_channel_input()
    {
        var network = NetworkSpec.Build("4C3-P2-6C3-P2-FC2", [2, 14, 14]);
        network.ConvolutionLayout = ConvolutionLayout.ChannelsLast;
        Assert.True(IsChannelsLast(network.Stages[0].RunSynapse(torch.rand(3, 2, 14, 14))));
        Assert.True(IsChannelsLast(network.Stages[1].RunSynapse(torch.rand(3, 4, 6, 6))));
        var gray = NetworkSpec.Build("4C3-P2-FC2", [1, 14, 14]);
        gray.ConvolutionLayout = ConvolutionLayout.ChannelsLast;
        Assert.False(IsChannelsLast(gray.Stages[0].RunSynapse(torch.rand(3, 1, 14, 14))));
        network.ConvolutionLayout = ConvolutionLayout.Planar;
        Assert.False(IsChannelsLast(network.Stages[0].RunSynapse(torch.rand(3, 2, 14, 14))));
    }

    [Fact]
    public void Max_pooling_of_a_channels_last_input_returns_the_planar_gradient_in_that_layout()
    {
        var g = new torch.Generator(3);
        var planar = torch.randn([5, 6, 9, 8], generator: g);   // odd height: the last row is dropped
        var upstream = torch.randn([5, 6, 4, 4], generator: g);
        var (planarOutput, planarGradient) = Pool(planar, upstream);
        var (lastOutput, lastGradient) = Pool(planar.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), upstream);
        Assert.True(planarOutput.equal(lastOutput).all().item<bool>());
        Assert.True(IsChannelsLast(lastGradient));
        Assert.False(IsChannelsLast(planarGradient));
        Assert.True(planarGradient.equal(lastGradient).all().item<bool>());
        Assert.Equal(5 * 6 * 4 * 4, planarGradient.ne(0).sum().item<long>());   // one winner per window
    }

    [Fact]
    public void The_layout_config_key_is_optional_checked_and_keeps_old_run_ids()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        Assert.Equal(ConvolutionLayout.Planar, plain.ConvolutionLayout);
        Assert.DoesNotContain("convolutionLayout", plain.CanonicalJson);
        Assert.Equal(plain.RunId, ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"convolutionLayout\": \"planar\"")).RunId);
        var last = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"convolutionLayout\": \"channels-last\""));
        Assert.Equal(ConvolutionLayout.ChannelsLast, last.ConvolutionLayout);
        Assert.Contains("\"convolutionLayout\": \"channels-last\"", last.CanonicalJson);
        Assert.NotEqual(plain.RunId, last.RunId);   // float32 rounding differs: another run
        Assert.Equal(last.CanonicalJson, ExperimentConfig.Parse(last.CanonicalJson).CanonicalJson);
        var e = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"convolutionLayout\": \"nhwc\"")));
        Assert.Equal("convolutionLayout", e.Key);
        Assert.Contains("planar, channels-last", e.Message);
    }

    private static (Tensor Output, Tensor Gradient) Pool(Tensor input, Tensor upstream)
    {
        var x = input.detach().requires_grad_();
        var output = MaxPoolFunction.Run(x, 2);
        torch.autograd.backward([output], [upstream]);
        return (output.detach(), x.grad!);
    }

    private static bool IsChannelsLast(Tensor t) => t.stride(1) == 1 && t.stride(3) == t.shape[1];

    /// <summary>
    /// A seeded float64 network of <paramref name="spec"/>, set up by <paramref name="configure"/>, over one window of
    /// <paramref name="steps"/> steps of random spikes (batch 3): its output and every parameter's gradient of a weighted sum.
    /// </summary>
    internal static (Tensor Output, Tensor[] Gradients) Run(string spec, string surrogate, long[] shape, Action<SpikingNetwork> configure, int steps = 4)
    {
        torch.manual_seed(7);
        var neuron = LifCases.Parameters(surrogate, ResetMode.Hard, beta: 0.8, threshold: 0.3, width: 0.9, slope: 4.0);
        var network = NetworkSpec.Build(spec, shape, new NetworkOptions { Neuron = neuron });
        network.to(ScalarType.Float64);
        configure(network);
        var g = new torch.Generator(5);
        var x = (torch.rand([steps, 3, .. shape], generator: g, dtype: ScalarType.Float64) < 0.4).to_type(ScalarType.Float64);
        var lossWeights = torch.randn([steps, 3, 2], generator: g, dtype: ScalarType.Float64);
        network.ResetState();
        var output = network.forward(x);
        (output * lossWeights).sum().backward();
        return (output.detach(), network.parameters().Select(p => p.grad!.clone()).ToArray());
    }
}
