using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>NetworkState: a sequence paused, its state extracted, other work done, the state loaded back, continues exactly.</summary>
public class NetworkStateTests
{
    [Fact]
    public void Extracted_state_continues_a_sequence_exactly()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var net = NetworkSpec.Build("6C3p1-P2-D0.3-FC12-FC4", [2, 10, 10]);
        net.to(ScalarType.Float64);
        var x = (torch.rand([8, 3, 2, 10, 10], dtype: ScalarType.Float64) < 0.3).to_type(ScalarType.Float64) * 2.0;
        using var noGrad = torch.no_grad();

        net.ResetState();
        torch.manual_seed(7);   // the same dropout mask for both runs
        var whole = net.forward(x);

        net.ResetState();
        torch.manual_seed(7);
        var first = net.forward(x.narrow(0, 0, 5));
        var saved = net.ExtractState();
        // Keys name the module path and the state; the dropout mask (train mode) is state too.
        Assert.Contains("stages.0.neuron/membrane", saved.Keys);
        Assert.Contains("stages.0.neuron/spikes", saved.Keys);
        Assert.Contains("stages.0.dropout/mask", saved.Keys);
        Assert.Contains("stages.2.neuron/membrane", saved.Keys);   // the readout integrator
        net.ResetState();
        net.forward(torch.ones([3, 3, 2, 10, 10], dtype: ScalarType.Float64));   // another stream in between
        net.LoadState(saved);
        var second = net.forward(x.narrow(0, 5, 3));

        Assert.True(torch.cat([first, second]).eq(whole).all().item<bool>(), "the continued sequence differs from the uninterrupted one");
        foreach (var t in saved.Values) t.Dispose();
    }

    [Fact]
    public void Loading_an_unknown_state_names_the_key()
    {
        var net = NetworkSpec.Build("FC8-FC2", [4]);
        using var bogus = torch.zeros(2);
        var e = Assert.Throws<ArgumentException>(() => net.LoadState(new Dictionary<string, Tensor> { ["stages.9.neuron/membrane"] = bogus }));
        Assert.Contains("stages.9.neuron/membrane", e.Message);
    }
}
