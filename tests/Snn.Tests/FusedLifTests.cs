using Snn.Encoders;
using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// The fused LIF window and the compact autograd nodes (max pooling, linear synapse on spikes) against the per-step
/// graph and libtorch's modules, in float64: the same spikes and the same gradients.
/// </summary>
public sealed class FusedLifTests
{
    private const int T = 6, N = 5, F = 7;

    public static TheoryData<string, ResetMode, int[]> Cases()
    {
        var data = new TheoryData<string, ResetMode, int[]>();
        foreach (var surrogate in new[] { "rectangular", "fast-sigmoid" })
            foreach (var reset in new[] { ResetMode.Hard, ResetMode.Soft })
                foreach (var windows in new[] { new[] { T }, new[] { 2, 2, 2 }, new[] { 4, 2 }, new[] { 5, 1 } })
                    data.Add(surrogate, reset, windows);
        return data;
    }

    private static LifParameters Parameters(string surrogate, ResetMode reset) => LifCases.Parameters(surrogate, reset, 0.7, 0.4, 0.8, 5.0);

    /// <summary>Runs the windows in order, each with its own backward, the state detached between them (as the trainer does).</summary>
    private static (Tensor Spikes, Tensor Grad, Tensor Membrane) RunWindows(LifParameters p, bool fused, int[] windows, bool detach = true)
    {
        var g = new torch.Generator(11);
        var x = (torch.rand([T, N, F], generator: g, dtype: ScalarType.Float64) * 0.9).requires_grad_();
        var weights = torch.randn([T, N, F], generator: g, dtype: ScalarType.Float64);
        var neuron = new LifNeuron(p) { Fused = fused };
        var outputs = new List<Tensor>();
        Tensor? loss = null;
        var start = 0;
        foreach (var length in windows)
        {
            var spikes = neuron.forward(x.narrow(0, start, length));
            outputs.Add(spikes.detach());
            var windowLoss = (spikes * weights.narrow(0, start, length)).sum();
            if (detach)
            {
                windowLoss.backward();
                neuron.DetachState();
            }
            else loss = loss is null ? windowLoss : loss + windowLoss;
            start += length;
        }
        loss?.backward();
        return (torch.cat(outputs), x.grad!.clone(), neuron.Membrane!.detach().clone());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_window_equals_the_per_step_graph(string surrogate, ResetMode reset, int[] windows)
    {
        using var scope = torch.NewDisposeScope();
        var p = Parameters(surrogate, reset);
        var (spikes, grad, membrane) = RunWindows(p, fused: true, windows);
        var (spikesRef, gradRef, membraneRef) = RunWindows(p, fused: false, windows);
        var rate = spikesRef.mean().item<double>();
        Assert.InRange(rate, 0.1, 0.9);   // the neurons really spike and really stay silent
        Assert.True(spikes.equal(spikesRef).all().item<bool>(), "spikes");
        Assert.True(membrane.equal(membraneRef).all().item<bool>(), "membrane");
        Assert.True(gradRef.abs().max().item<double>() > 1e-3, "the gradient should not vanish");
        Assert.True(grad.equal(gradRef).all().item<bool>(), $"input gradient differs by {(grad - gradRef).abs().max().item<double>():E2}");
        // Bit for bit, zeros included: the reset multiplies by 1 − s as the step's graph does (a masked fill gave +0 where
        // the graph gives −0).
        Assert.True(torch.signbit(grad).equal(torch.signbit(gradRef)).all().item<bool>(), "signs of the input gradient (zeros included)");
        Assert.True(torch.signbit(membrane).equal(torch.signbit(membraneRef)).all().item<bool>(), "signs of the membrane");
    }

    [Fact]
    public void Gradients_stop_at_call_borders_when_fused_and_cross_them_with_the_per_step_graph()
    {
        using var scope = torch.NewDisposeScope();
        // Two calls without DetachState, one backward of the second call's spikes only.
        Tensor FirstWindowGradient(bool fused)
        {
            var x = (torch.rand([T, N, F], generator: new torch.Generator(2), dtype: ScalarType.Float64) * 0.9).requires_grad_();
            var neuron = new LifNeuron { Fused = fused };
            neuron.forward(x.narrow(0, 0, 3));
            neuron.forward(x.narrow(0, 3, 3)).sum().backward();
            return x.grad?.narrow(0, 0, 3) ?? torch.zeros(1, dtype: ScalarType.Float64);   // no gradient reached x at all
        }
        Assert.Equal(0.0, FirstWindowGradient(true).abs().max().item<double>());
        Assert.True(FirstWindowGradient(false).abs().max().item<double>() > 0);
    }

    /// <summary>
    /// A channels-last convolution's currents [K, N, C, H, W] (channels fastest): the window's gradient comes back in that
    /// layout, so the convolution's backward need not copy it, with the values of the plain layout's gradient.
    /// </summary>
    [Fact]
    public void The_window_gradient_takes_its_currents_channels_last_layout()
    {
        using var scope = torch.NewDisposeScope();
        var p = Parameters("rectangular", ResetMode.Hard);
        var g = new torch.Generator(3);
        var plain = (torch.rand([4 * 2, 3, 5, 5], generator: g, dtype: ScalarType.Float64) * 0.9).reshape(4, 2, 3, 5, 5);
        var weights = torch.randn([4, 2, 3, 5, 5], generator: g, dtype: ScalarType.Float64);
        Tensor Gradient(Tensor currents)
        {
            var x = currents.detach().requires_grad_();
            var spikes = new LifNeuron(p).forward(x);
            (spikes * weights).sum().backward();
            return x.grad!;
        }
        var channelsLast = plain.reshape(8, 3, 5, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).reshape(4, 2, 3, 5, 5);
        Assert.NotNull(LifWindowFunction.ChannelsLastStrides(channelsLast));
        var expected = Gradient(plain);
        var gradient = Gradient(channelsLast);
        Assert.Equal(channelsLast.stride(), gradient.stride());
        Assert.True(expected.is_contiguous());
        Assert.True(gradient.equal(expected).all().item<bool>(), "the same gradient in either layout");
        Assert.True(expected.abs().max().item<double>() > 1e-3, "the gradient should not vanish");
    }

    [Theory]
    [InlineData("rectangular", ResetMode.Hard)]
    [InlineData("fast-sigmoid", ResetMode.Soft)]
    public void Repeated_current_equals_the_expanded_current(string surrogate, ResetMode reset)
    {
        using var scope = torch.NewDisposeScope();
        var p = Parameters(surrogate, reset);
        var g = new torch.Generator(5);
        var current = torch.rand([N, F], generator: g, dtype: ScalarType.Float64) * 0.6;
        var weights = torch.randn([T, N, F], generator: g, dtype: ScalarType.Float64);
        (Tensor Spikes, Tensor Grad) Run(bool fused)
        {
            var c = current.clone().requires_grad_();
            var neuron = new LifNeuron(p) { Fused = fused };
            var spikes = neuron.ForwardRepeated(c, T);
            (spikes * weights).sum().backward();
            return (spikes.detach(), c.grad!);
        }
        var (spikes, grad) = Run(true);
        var (spikesRef, gradRef) = Run(false);
        Assert.True(spikes.equal(spikesRef).all().item<bool>());
        Assert.True(gradRef.abs().max().item<double>() > 1e-3);
        // The sum over the steps runs in another order than ExpandBackward's: equal up to rounding.
        Assert.True((grad - gradRef).abs().max().item<double>() <= 1e-12);
    }

    private static void Configure(SpikingNetwork net, bool fast)
    {
        foreach (var stage in net.Stages)
        {
            stage.Compact = fast;
            if (stage.Neuron is LifNeuron lif) lif.Fused = fast;
        }
    }

    public static TheoryData<string, string, ResetMode> NetworkCases() => new()
    {
        { "analog", "rectangular", ResetMode.Hard },
        { "events", "rectangular", ResetMode.Hard },
        { "events", "fast-sigmoid", ResetMode.Soft },
        { "analog", "fast-sigmoid", ResetMode.Hard },
    };

    /// <summary>
    /// Whole networks (conv → compact max pooling → LIF, FC on flattened spikes, FC readout on spikes) trained one batch by
    /// BPTT, truncation and truncated-local plans: every parameter gradient and the forward match libtorch's modules with
    /// the per-step LIF graph. Analog input is constant over time (direct encoding: the repeated-current path).
    /// </summary>
    [Theory]
    [MemberData(nameof(NetworkCases))]
    public void Network_gradients_equal_the_unfused_path(string input, string surrogate, ResetMode reset)
    {
        using var scope = torch.NewDisposeScope();
        var options = new NetworkOptions { Neuron = Parameters(surrogate, reset) with { Beta = 0.5 } };
        var g = new torch.Generator(4);
        var images = torch.rand([8, 1, 10, 10], generator: g, dtype: ScalarType.Float64) * (input == "analog" ? 2.0 : 0.9);
        var labels = torch.randint(0, 3, [8], generator: g);
        IEncoder encoder = input == "analog" ? new DirectEncoder() : new PoissonEncoder(7, gain: 1.0);
        foreach (var plan in new[] { TrainingPlan.Bptt(T), TrainingPlan.Truncated(T, 2), TrainingPlan.TruncatedLocal(T, 4, 1) })
        {
            var x = encoder.Encode(images, T);
            Dictionary<string, Tensor> Grads(bool fast, out BatchOutcome outcome)
            {
                torch.manual_seed(3);
                var net = NetworkSpec.Build("4C3-P2-FC12-FC3", [1, 10, 10], options);
                net.to(ScalarType.Float64);
                Configure(net, fast);
                return new Trainer(net, plan, new TrainerOptions { MeasureMemory = false }).ComputeGradients(x, labels, out outcome);
            }
            var fast = Grads(true, out var fastOutcome);
            var reference = Grads(false, out var referenceOutcome);
            Assert.Equal(referenceOutcome.SpikeCounts, fastOutcome.SpikeCounts);
            Assert.Equal(referenceOutcome.Loss, fastOutcome.Loss);
            Assert.True(referenceOutcome.SpikeCounts.Take(2).All(c => c > 0), "every spiking stage fires");
            Assert.Equal(reference.Keys.Order(), fast.Keys.Order());
            foreach (var (name, r) in reference)
            {
                var diff = (fast[name] - r).abs().max().item<double>();
                Assert.True(diff <= 1e-12 * Math.Max(1, r.abs().max().item<double>()), $"{plan} {name}: differs by {diff:E2}");
            }
            Assert.True(reference["stages.0.synapse.weight"].abs().max().item<double>() > 1e-4, $"{plan}: the first layer's gradient should not vanish");
        }
    }
}
