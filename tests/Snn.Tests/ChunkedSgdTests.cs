using TorchSharp;
using Modules = TorchSharp.Modules;
using static TorchSharp.torch;
using Snn.Measurement;
using Snn.Optimization;

namespace Snn.Tests;

/// <summary>ChunkedSgd: TorchSharp's SGD bitwise, in chunks, with a state that saves and loads as SGD's.</summary>
public sealed class ChunkedSgdTests
{
    private static nn.Module<Tensor, Tensor> Net(int seed, ScalarType dtype = ScalarType.Float32)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(nn.Linear(13, 11), nn.Tanh(), nn.Linear(11, 3));
        net.to(dtype);
        return net;
    }

    private static void StepOn(nn.Module<Tensor, Tensor> net, optim.Optimizer opt, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        net.forward(x).pow(2).sum().backward();
        opt.step();
    }

    private static Tensor[] Train(Func<IEnumerable<Modules.Parameter>, optim.Optimizer> make, int steps)
    {
        var net = Net(5);
        var opt = make(net.parameters());
        var g = new torch.Generator(9);
        for (var i = 0; i < steps; i++) StepOn(net, opt, torch.randn([8, 13], generator: g));
        return net.parameters().Select(p => p.detach().clone()).ToArray();
    }

    [Theory]
    [InlineData(0.9, 0.0, false, false, 7L)]
    [InlineData(0.9, 0.01, false, false, 7L)]
    [InlineData(0.9, 5e-4, true, false, 5L)]
    [InlineData(0.0, 0.01, false, false, 3L)]
    [InlineData(0.5, 0.0, false, true, 1L << 20)]
    public void Equals_TorchSharp_SGD_bitwise_across_chunk_borders(double momentum, double decay, bool nesterov, bool maximize, long chunk)
    {
        var reference = Train(ps => new Modules.SGD(ps, 3e-2, momentum, weight_decay: decay, nesterov: nesterov, maximize: maximize), 6);
        var chunked = Train(ps => new ChunkedSgd(ps, 3e-2, momentum, decay, nesterov, maximize, chunkElements: chunk), 6);
        var start = Train(ps => new Modules.SGD(ps, 0), 0);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.True(reference[i].eq(chunked[i]).all().item<bool>(), $"parameter {i} differs: max |Δ| {(reference[i] - chunked[i]).abs().max().item<float>()}");
            Assert.False(reference[i].eq(start[i]).all().item<bool>(), $"parameter {i} did not move");
        }
    }

    [Fact]
    public void Settings_build_the_optimizer_they_name()
    {
        var ps = Net(1).parameters().ToArray();
        Assert.IsType<ChunkedAdam>(new OptimizerSettings().Create(ps, 1e-3));
        var sgd = Assert.IsType<ChunkedSgd>(OptimizerSettings.Sgd(0.8, 1e-4, nesterov: true).Create(ps, 0.1));
        var o = (Modules.SGD.Options)sgd.state_dict().Options[0];
        Assert.Equal((0.8, 1e-4, true, 0.0, 0.1), (o.momentum!.Value, o.weight_decay!.Value, o.nesterov!.Value, o.dampening!.Value, o.LearningRate!.Value));
        Assert.Equal("SGD (momentum 0.8, Nesterov, weight decay 0.0001)", OptimizerSettings.Sgd(0.8, 1e-4, nesterov: true).ToString());
        Assert.Equal("Adam", new OptimizerSettings().ToString());
        Assert.Equal("Momentum", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerSettings.Sgd(momentum: 1)).ParamName);
        Assert.Equal("Momentum", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerSettings.Sgd(momentum: -0.1)).ParamName);
        Assert.Equal("WeightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerSettings.Sgd(weightDecay: -1)).ParamName);
        Assert.Equal("WeightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerSettings.Adam(double.NaN)).ParamName);
        Assert.Equal("Nesterov", Assert.Throws<ArgumentException>(() => OptimizerSettings.Sgd(momentum: 0, nesterov: true)).ParamName);
        Assert.Equal("Nesterov", Assert.Throws<ArgumentException>(() => new OptimizerSettings { Nesterov = true }.Validated()).ParamName);
    }

    /// <summary>
    /// A checkpoint's optimizer state, saved after one step (or before any) and loaded by a fresh optimizer, continues as
    /// the uninterrupted one, in float32 and float64; the loaded buffer has its parameter's dtype.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32, 1)]
    [InlineData(ScalarType.Float64, 1)]
    [InlineData(ScalarType.Float64, 0)]
    public void Saved_state_loads_and_continues_identically(ScalarType dtype, int stepsBeforeSave)
    {
        Tensor Batch(int i) => torch.full([2, 13], 0.1 * (i + 1), dtype: dtype);
        var netA = Net(1, dtype);
        var whole = new ChunkedSgd(netA.parameters(), 1e-2, momentum: 0.9, weightDecay: 1e-3, chunkElements: 4);
        for (var i = 0; i < stepsBeforeSave; i++) StepOn(netA, whole, Batch(i));
        using var stream = new MemoryStream();
        whole.save_state_dict(new BinaryWriter(stream));
        var netB = Net(1, dtype);
        foreach (var (a, b) in netA.parameters().Zip(netB.parameters())) using (torch.no_grad()) b.copy_(a);
        var resumed = new ChunkedSgd(netB.parameters(), 1e-2, momentum: 0.9, weightDecay: 1e-3, chunkElements: 4);
        stream.Position = 0;
        resumed.load_state_dict(new BinaryReader(stream));
        var buffer = ((Modules.SGD.State)resumed.state_dict().State[0]).momentum_buffer;
        Assert.Equal(dtype, buffer.dtype);
        for (var i = stepsBeforeSave; i < stepsBeforeSave + 3; i++)
        {
            StepOn(netA, whole, Batch(i));
            StepOn(netB, resumed, Batch(i));
        }
        foreach (var (a, b) in netA.parameters().Zip(netB.parameters()))
            Assert.True(a.eq(b).all().item<bool>(), "resumed ChunkedSgd differs from the uninterrupted one");
    }

    /// <summary>The reason for the chunks: with weight decay TorchSharp's SGD makes a parameter-sized temporary (g + λw).</summary>
    [Fact]
    public void A_step_with_weight_decay_allocates_one_chunk_not_a_parameter_copy()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);   // ./test.sh preloads the counter
        var weight = new Modules.Parameter(torch.randn(4L << 20));   // 16 MiB
        var chunked = new ChunkedSgd([weight], 0.1, momentum: 0.9, weightDecay: 5e-4, chunkElements: 1L << 16);   // 256 KiB chunks
        var plain = new Modules.SGD([new Modules.Parameter(weight.detach().clone())], 0.1, momentum: 0.9, weight_decay: 5e-4);
        foreach (var p in plain.parameters().Append(weight)) p.grad = torch.randn_like(p);
        chunked.step();
        plain.step();   // warm: the momentum buffer exists
        var chunkedPeak = MemoryMeter.Measure(() => chunked.step())!.Value;
        var plainPeak = MemoryMeter.Measure(() => plain.step())!.Value;
        Assert.True(chunkedPeak < 1L << 20, $"chunked step peak {MemoryMeter.Format(chunkedPeak)}");
        Assert.True(plainPeak >= 15L << 20, $"TorchSharp's SGD was expected to make a 16 MiB temporary; measured {MemoryMeter.Format(plainPeak)}");
    }

    [Fact]
    public void A_non_contiguous_parameter_is_updated_whole_like_SGD()
    {
        Modules.Parameter Transposed() { torch.manual_seed(4); return new Modules.Parameter(torch.randn(6, 9).t()); }   // strides (1, 9)
        var a = Transposed();
        var b = Transposed();
        Assert.False(a.is_contiguous());
        var plain = new Modules.SGD([a], 0.1, momentum: 0.9, weight_decay: 0.01);
        var chunked = new ChunkedSgd([b], 0.1, momentum: 0.9, weightDecay: 0.01, chunkElements: 4);
        for (var i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            var target = torch.full([9, 6], 0.5 * i);
            foreach (var (opt, w) in new (optim.Optimizer, Modules.Parameter)[] { (plain, a), (chunked, b) })
            {
                opt.zero_grad();
                (w - target).pow(2).sum().backward();
                opt.step();
            }
        }
        Assert.True(a.eq(b).all().item<bool>());
    }
}
