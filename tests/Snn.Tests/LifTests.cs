using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

public sealed class LifTests
{
    private static readonly double[] Input = [0.3, 0.4, 0.2, 0.6, 0.1];

    private static (double[] Membrane, double[] Spikes) Run(LifParameters p)
    {
        using var scope = torch.NewDisposeScope();
        LifState? state = null;
        var u = new double[Input.Length];
        var s = new double[Input.Length];
        for (var t = 0; t < Input.Length; t++)
        {
            (var spikes, var next) = Lif.Step(torch.tensor(new[] { Input[t] }, dtype: ScalarType.Float64), state, p);
            state = next;
            u[t] = next.Membrane.item<double>();
            s[t] = spikes.item<double>();
        }
        return (u, s);
    }

    [Fact]
    public void Hard_reset_matches_hand_computed_trace()
    {
        // u[t] = 0.5·u[t−1]·(1 − s[t−1]) + I[t], s = H(u − 0.5)
        var (u, s) = Run(LifParameters.Default);
        Assert.Equal(new[] { 0.3, 0.55, 0.2, 0.7, 0.1 }, u.Select(v => Math.Round(v, 12)));
        Assert.Equal(new double[] { 0, 1, 0, 1, 0 }, s);
    }

    [Fact]
    public void Soft_reset_matches_hand_computed_trace()
    {
        // u[t] = 0.5·u[t−1] − 0.5·s[t−1] + I[t]
        var (u, s) = Run(LifParameters.Default with { Reset = ResetMode.Soft });
        Assert.Equal(new[] { 0.3, 0.55, -0.025, 0.5875, -0.10625 }, u.Select(v => Math.Round(v, 12)));
        Assert.Equal(new double[] { 0, 1, 0, 1, 0 }, s);
    }

    [Fact]
    public void IF_neuron_integrates_without_leak()
    {
        var (u, s) = Run(LifParameters.Default with { Beta = 1.0, Threshold = 1.0 });
        Assert.Equal(new[] { 0.3, 0.7, 0.9, 1.5, 0.1 }, u.Select(v => Math.Round(v, 12)));
        Assert.Equal(new double[] { 0, 0, 0, 1, 0 }, s);
    }

    [Fact]
    public void Module_carries_state_across_calls_and_resets()
    {
        using var scope = torch.NewDisposeScope();
        var neuron = new LifNeuron();
        var x = torch.tensor(Input, dtype: ScalarType.Float64).reshape(5, 1);
        var whole = neuron.forward(x);
        neuron.ResetState();
        var first = neuron.forward(x.narrow(0, 0, 2));
        neuron.DetachState();
        var rest = neuron.forward(x.narrow(0, 2, 3));
        Assert.True(torch.cat([first, rest]).eq(whole).all().item<bool>());
        Assert.Empty(neuron.named_buffers());
        neuron.ResetState();
        Assert.Null(neuron.Membrane);
    }

    [Fact]
    public void Invalid_parameters_name_the_knob()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LifNeuron(LifParameters.Default with { Beta = 1.5 }));
        Assert.Equal("Beta", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new LifNeuron(LifParameters.Default with { Threshold = 0 }));
        Assert.Equal("Threshold", e.ParamName);
    }

    [Fact]
    public void Trace_matches_the_hand_computed_hard_reset_trace()
    {
        var (u, s) = Lif.Trace([0.3, 0.4, 0.2, 0.6, 0.1], LifParameters.Default);
        Assert.Equal(new[] { 0.3, 0.55, 0.2, 0.7, 0.1 }, u.Select(v => Math.Round(v, 12)));
        Assert.Equal(new double[] { 0, 1, 0, 1, 0 }, s);
    }
}
