using TorchSharp;
using Modules = TorchSharp.Modules;
using static TorchSharp.torch;
using Snn.Measurement;
using Snn.Optimization;

namespace Snn.Tests;

public sealed class ChunkedAdamTests
{
    private static nn.Module<Tensor, Tensor> Net(int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(nn.Linear(13, 11), nn.Tanh(), nn.Linear(11, 3));
    }

    /// <summary>Runs <paramref name="steps"/> updates on the same data and returns the final parameters.</summary>
    private static Tensor[] Train(Func<IEnumerable<Modules.Parameter>, optim.Optimizer> make, int steps)
    {
        var net = Net(5);
        var opt = make(net.parameters());
        var g = new torch.Generator(9);
        for (var i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.randn([8, 13], generator: g);
            opt.zero_grad();
            net.forward(x).pow(2).sum().backward();
            opt.step();
        }
        return net.parameters().Select(p => p.detach().clone()).ToArray();
    }

    [Theory]
    [InlineData(0.0, false, false, 7L)]
    [InlineData(0.01, false, false, 7L)]
    [InlineData(0.0, true, false, 5L)]
    [InlineData(0.0, false, true, 1L << 20)]
    public void Equals_TorchSharp_Adam_bitwise_across_chunk_borders(double decay, bool amsgrad, bool maximize, long chunk)
    {
        var reference = Train(ps => new Modules.Adam(ps, 3e-2, weight_decay: decay, amsgrad: amsgrad, maximize: maximize), 6);
        var chunked = Train(ps => new ChunkedAdam(ps, 3e-2, weightDecay: decay, amsgrad: amsgrad, maximize: maximize, chunkElements: chunk), 6);
        var start = Train(ps => new Modules.Adam(ps, 0), 0);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.True(reference[i].eq(chunked[i]).all().item<bool>(), $"parameter {i} differs: max |Δ| {(reference[i] - chunked[i]).abs().max().item<float>()}");
            Assert.False(reference[i].eq(start[i]).all().item<bool>(), $"parameter {i} did not move");
        }
    }

    [Fact]
    public void Saved_state_loads_and_continues_identically()
    {
        // A checkpoint's optimizer state: a ChunkedAdam resumed from it continues as the uninterrupted one does.
        Tensor Batch(int i) => torch.full([2, 13], 0.1 * (i + 1));
        void StepOn(nn.Module<Tensor, Tensor> net, optim.Optimizer opt, int i)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            net.forward(Batch(i)).pow(2).sum().backward();
            opt.step();
        }
        var netA = Net(1);
        var whole = new ChunkedAdam(netA.parameters(), 1e-2, chunkElements: 4);
        StepOn(netA, whole, 0);
        using var stream = new MemoryStream();
        whole.save_state_dict(new BinaryWriter(stream));
        var netB = Net(1);
        foreach (var (a, b) in netA.parameters().Zip(netB.parameters())) using (torch.no_grad()) b.copy_(a);
        var resumed = new ChunkedAdam(netB.parameters(), 1e-2, chunkElements: 4);
        stream.Position = 0;
        resumed.load_state_dict(new BinaryReader(stream));
        Assert.Equal(1, ((Modules.Adam.State)resumed.state_dict().State[0]).step);
        StepOn(netA, whole, 1);
        StepOn(netB, resumed, 1);
        foreach (var (a, b) in netA.parameters().Zip(netB.parameters()))
            Assert.True(a.eq(b).all().item<bool>(), "resumed ChunkedAdam differs from the uninterrupted one");
    }

    [Fact]
    public void A_step_allocates_one_chunk_not_two_parameter_copies()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);   // ./test.sh preloads the counter (checked in MemoryMeterTests)
        var weight = new Modules.Parameter(torch.randn(4L << 20));   // 16 MiB
        var chunked = new ChunkedAdam([weight], chunkElements: 1L << 16);   // 256 KiB chunks
        var plain = new Modules.Adam([new Modules.Parameter(weight.detach().clone())]);
        foreach (var p in plain.parameters().Append(weight)) p.grad = torch.randn_like(p);
        chunked.step();
        plain.step();   // warm: Adam state exists
        // The median of three steps, as StepMemoryProbe takes it: a one-time allocation of the runtime (an OpenMP worker's
        // buffers after another test changed the thread count) read 1.0 MiB once in a full run.
        var chunkedPeak = Enumerable.Range(0, 3).Select(_ => MemoryMeter.Measure(() => chunked.step())!.Value).Order().ElementAt(1);
        var plainPeak = MemoryMeter.Measure(() => plain.step())!.Value;
        Assert.True(chunkedPeak < 1L << 20, $"chunked step peak {MemoryMeter.Format(chunkedPeak)}");
        // Two 16 MiB temporaries; the counter's peak is taken above the bytes live when the step starts, so a small block
        // the step frees first can leave it a few KiB under 32 MiB (measured once: "32.0 MiB" and below 32 << 20).
        Assert.True(plainPeak >= 31L << 20, $"TorchSharp's Adam was expected to make two 16 MiB temporaries; measured {MemoryMeter.Format(plainPeak)}");
    }

    [Fact]
    public void Zero_grad_to_none_releases_gradients_and_step_skips_them()
    {
        var net = Net(2);
        var opt = new ChunkedAdam(net.parameters(), 1e-2);
        using (torch.NewDisposeScope()) net.forward(torch.ones(2, 13)).sum().backward();
        Assert.All(net.parameters(), p => Assert.NotNull(p.grad));
        var before = net.parameters().Select(p => p.detach().clone()).ToArray();
        opt.zero_grad(set_to_none: true);
        Assert.All(net.parameters(), p => Assert.Null(p.grad));
        opt.step();   // no gradients: nothing moves
        foreach (var (a, b) in before.Zip(net.parameters())) Assert.True(a.eq(b).all().item<bool>());
        using (torch.NewDisposeScope()) net.forward(torch.ones(2, 13)).sum().backward();
        opt.zero_grad(set_to_none: false);
        Assert.All(net.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void A_non_contiguous_parameter_is_updated_whole_like_Adam()
    {
        Modules.Parameter Transposed() { torch.manual_seed(4); return new Modules.Parameter(torch.randn(6, 9).t()); }   // strides (1, 9)
        var a = Transposed();
        var b = Transposed();
        Assert.False(a.is_contiguous());
        var plain = new Modules.Adam([a], 0.1);
        var chunked = new ChunkedAdam([b], 0.1, chunkElements: 4);
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
