using Snn.Layers;
using Snn.Networks;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

public sealed class StageTests
{
    [Fact]
    public void Learnable_beta_is_a_parameter_state_is_not_a_buffer_and_beta_gets_a_gradient()
    {
        using var scope = torch.NewDisposeScope();
        var neuron = new LifNeuron(LifParameters.Default with { LearnableBeta = true, Beta = 0.8 });
        Assert.Single(neuron.parameters());
        var x = torch.full(6, 3, 0.3, requires_grad: false);
        var spikes = neuron.forward(x);
        Assert.Empty(neuron.named_buffers());
        spikes.sum().backward();
        Assert.NotNull(neuron.BetaParameter!.grad);
        Assert.NotEqual(0.0, neuron.BetaParameter.grad!.item<float>());
        Assert.Equal(0.8, neuron.Beta, 6);
        Assert.Empty(new LifNeuron().parameters());
    }

    [Fact]
    public void Learnable_beta_gives_the_same_forward_as_fixed_beta()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.rand(8, 4, 5, dtype: ScalarType.Float64);
        var fixedBeta = new LifNeuron(LifParameters.Default with { Beta = 0.7, Reset = ResetMode.Soft });
        var learnable = new LifNeuron(LifParameters.Default with { Beta = 0.7, Reset = ResetMode.Soft, LearnableBeta = true });
        learnable.to(ScalarType.Float64);
        Assert.True(fixedBeta.forward(x).eq(learnable.forward(x)).all().item<bool>());
    }

    [Fact]
    public void IF_neuron_has_no_leak()
    {
        using var scope = torch.NewDisposeScope();
        var neuron = LifNeuron.IF(threshold: 1.0);
        var x = torch.tensor(new[] { 0.3, 0.4, 0.2, 0.6, 0.1 }, dtype: ScalarType.Float64).reshape(5, 1);
        Assert.Equal(new double[] { 0, 0, 0, 1, 0 }, neuron.forward(x).reshape(5).data<double>().ToArray());
        Assert.Equal(1.0, neuron.Beta);
    }

    [Fact]
    public void Dropout_mask_is_shared_over_time_and_windows_until_reset()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var dropout = new TimeSharedDropout(0.5);
        var ones = torch.ones(4, 3, 50);
        var first = dropout.forward(ones);
        for (var t = 1; t < 4; t++) Assert.True(first[t].eq(first[0]).all().item<bool>(), $"step {t} uses another mask");
        var kept = first[0].ne(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(kept, 0.3, 0.7);
        Assert.True(first[0].eq(0).logical_or(first[0].eq(2.0)).all().item<bool>(), "kept units must be scaled by 1/(1 − p)");
        dropout.DetachState();   // a window border keeps the mask
        var nextWindow = dropout.forward(ones.narrow(0, 0, 2));
        Assert.True(nextWindow[0].eq(first[0]).all().item<bool>());
        dropout.ResetState();    // a new sequence draws a new one
        var fresh = dropout.forward(ones);
        Assert.False(fresh[0].eq(first[0]).all().item<bool>());
        dropout.eval();
        Assert.True(dropout.forward(ones).eq(ones).all().item<bool>());
        Assert.Empty(dropout.named_buffers());
    }

    [Fact]
    public void Dropout_with_another_batch_size_without_reset_says_what_to_do()
    {
        using var scope = torch.NewDisposeScope();
        var dropout = new TimeSharedDropout(0.2);
        dropout.forward(torch.ones(2, 3, 4));
        var e = Assert.Throws<InvalidOperationException>(() => dropout.forward(torch.ones(2, 5, 4)));
        Assert.Contains("ResetState", e.Message);
    }

    [Fact]
    public void Time_folding_with_batch_norm_and_dropout_equals_the_window_by_window_loop()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var net = NetworkSpec.Build("6C3p1-BN-P2-D0.3-FC12-BN-D0.2-FC4", [2, 8, 8]);
        net.to(ScalarType.Float64);
        net.eval();   // BN uses running statistics: per-step and folded runs must agree exactly
        foreach (var s in net.Stages) s.Dropout?.train();   // dropout stays active to test its mask sharing
        var x = (torch.rand([6, 3, 2, 8, 8], dtype: ScalarType.Float64) < 0.3).to_type(ScalarType.Float64) * 2.0;
        torch.manual_seed(9);
        net.ResetState();
        var folded = net.ForwardStages(x).Select(t => t.detach()).ToList();
        torch.manual_seed(9);
        net.ResetState();
        var stepped = Enumerable.Range(0, 6).Select(t => net.ForwardStages(x.narrow(0, t, 1)).Select(o => o.detach()).ToList()).ToList();
        for (var s = 0; s < folded.Count; s++)
        {
            var loop = torch.cat(stepped.Select(step => step[s]).ToArray());
            Assert.True(torch.allclose(folded[s], loop, rtol: 0, atol: 1e-12), $"stage {s} differs");
        }
        Assert.InRange(folded[0].ne(0).to_type(ScalarType.Float64).mean().item<double>(), 0.02, 0.98);
    }

    [Fact]
    public void Batch_norm_in_training_normalises_over_time_and_batch_with_scale_theta()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        var net = NetworkSpec.Build("8C3p1-BN-FC3", [1, 6, 6]);
        var norm = (nn.Module<Tensor, Tensor>)net.Stages[0].Norm!;
        var weight = norm.named_parameters().First(p => p.name == "weight").parameter;
        Assert.True(weight.eq(0.5).all().item<bool>(), "tdBN scale starts at α·θ = 0.5");
        Assert.Empty(net.Stages[0].Neuron.named_buffers());
        Assert.Contains(net.named_buffers(), b => b.name.EndsWith("running_mean", StringComparison.Ordinal));
    }

    [Fact]
    public void Stage_rejects_input_of_the_wrong_sample_shape()
    {
        using var scope = torch.NewDisposeScope();
        var net = NetworkSpec.Build("4C3-FC3", [1, 6, 6]);
        var e = Assert.Throws<ArgumentException>(() => net.forward(torch.zeros([2, 1, 1, 7, 7])));
        Assert.Contains("1×6×6", e.Message);
        Assert.Contains("4C3", e.Message);
    }
}
