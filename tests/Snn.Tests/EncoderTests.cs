using TorchSharp;
using Snn.Encoders;

namespace Snn.Tests;

public sealed class EncoderTests
{
    [Fact]
    public void Poisson_is_deterministic_under_a_seed_and_fires_at_the_pixel_rate()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.linspace(0, 1, 11).reshape(1, 11).expand(20, 11).contiguous();
        var a = new PoissonEncoder(seed: 7).Encode(image, 200);
        torch.manual_seed(123);   // the global RNG must not matter
        var b = new PoissonEncoder(seed: 7).Encode(image, 200);
        var c = new PoissonEncoder(seed: 8).Encode(image, 200);
        Assert.Equal(new long[] { 200, 20, 11 }, a.shape);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
        Assert.True(a.eq(0).logical_or(a.eq(1)).all().item<bool>());
        var rates = a.mean([0, 1]).data<float>().ToArray();
        for (var i = 0; i < 11; i++) Assert.InRange(rates[i], i / 10.0 - 0.03, i / 10.0 + 0.03);
        var encoder = new PoissonEncoder(seed: 7);
        var first = encoder.Encode(image, 5);
        Assert.False(first.eq(encoder.Encode(image, 5)).all().item<bool>(), "consecutive batches draw new spikes");
        encoder.Reseed();
        Assert.True(first.eq(encoder.Encode(image, 5)).all().item<bool>());
    }

    [Fact]
    public void Latency_spikes_once_bright_pixels_first()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.tensor(new[] { 1.0f, 0.5f, 0.0f, 0.75f }).reshape(1, 4);
        var s = new LatencyEncoder().Encode(image, 5);   // t = round((1 − x)·4)
        Assert.Equal(new long[] { 5, 1, 4 }, s.shape);
        var expected = new float[5, 4];
        expected[0, 0] = 1; expected[2, 1] = 1; expected[1, 3] = 1;   // x = 0 never spikes
        Assert.Equal(expected.Cast<float>(), s.reshape(20).data<float>().ToArray());
    }

    [Fact]
    public void Encoders_reject_bad_time_steps()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.zeros(2, 3);
        Assert.Equal("timeSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonEncoder().Encode(x, 0)).ParamName);
        Assert.Equal("timeSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyEncoder().Encode(x, 0)).ParamName);
    }
}
