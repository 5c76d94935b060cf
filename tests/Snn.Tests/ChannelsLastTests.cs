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
        var (planarOutput, planar) = Run(spec, surrogate, shape, ConvolutionLayout.Planar);
        var (lastOutput, last) = Run(spec, surrogate, shape, ConvolutionLayout.ChannelsLast);
        Assert.True(planarOutput.abs().sum().item<double>() > 0, "the readout should see spikes");
        Assert.True(planarOutput.allclose(lastOutput, rtol: 0, atol: 1e-12));
        Assert.Equal(planar.Length, last.Length);
        for (var i = 0; i < planar.Length; i++)
        {
            Assert.True(planar[i].abs().max().item<double>() > 0, $"gradient {i} should not vanish");
            var error = ((planar[i] - last[i]).norm() / planar[i].norm()).item<double>();
            Assert.True(error < 1e-12, $"gradient {i}: relative difference {error:E2}");
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

    private static (Tensor Output, Tensor[] Gradients) Run(string spec, string surrogate, long[] shape, ConvolutionLayout layout)
    {
        torch.manual_seed(7);
        var neuron = LifCases.Parameters(surrogate, ResetMode.Hard, beta: 0.8, threshold: 0.3, width: 0.9, slope: 4.0);
        var network = NetworkSpec.Build(spec, shape, new NetworkOptions { Neuron = neuron });
        network.to(ScalarType.Float64);
        network.ConvolutionLayout = layout;
        var g = new torch.Generator(5);
        var x = (torch.rand([4, 3, .. shape], generator: g, dtype: ScalarType.Float64) < 0.4).to_type(ScalarType.Float64);
        var lossWeights = torch.randn([4, 3, 2], generator: g, dtype: ScalarType.Float64);
        network.ResetState();
        var output = network.forward(x);
        (output * lossWeights).sum().backward();
        return (output.detach(), network.parameters().Select(p => p.grad!.clone()).ToArray());
    }
}
