using Snn.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>The compact max pooling node against libtorch's max_pool2d: the same output and input gradient, bit for bit.</summary>
public sealed class CompactMaxPoolTests
{
    [Theory]
    [InlineData(2, 8, 8)]
    [InlineData(2, 11, 9)]    // ragged edges: floor mode leaves the last row and column out
    [InlineData(3, 10, 7)]
    public void Equals_libtorch_with_ties(int k, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(11);
        // Few distinct values: most windows hold ties, so the winner rule (first maximum in row-major order) is tested.
        var values = torch.randint(0, 3, [3, 4, height, width], generator: g).to_type(ScalarType.Float64);
        var weights = torch.randn([3, 4, height / k, width / k], generator: g, dtype: ScalarType.Float64);
        var compact = values.clone().requires_grad_();
        var reference = values.clone().requires_grad_();
        var output = MaxPoolFunction.Run(compact, k);
        var expected = max_pool2d(reference, [k, k], [k, k]);
        (output * weights).sum().backward();
        (expected * weights).sum().backward();
        Assert.True(output.equal(expected).all().item<bool>());
        Assert.True(compact.grad!.equal(reference.grad!).all().item<bool>());
        Assert.Equal(weights.numel(), compact.grad!.ne(0.0).sum().item<long>());   // one winner per window
    }
}
