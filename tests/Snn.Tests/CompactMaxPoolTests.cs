using Snn.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>The compact max pooling node against libtorch's max_pool2d: the same output and input gradient, bit for bit.</summary>
public sealed class CompactMaxPoolTests
{
    /// <summary>
    /// Against libtorch's planar kernel, with ties, NaNs and −∞ (a NaN wins its window; so does the first of tied maxima
    /// in row-major order, and the first input of an all −∞ window), and with more samples than one channels-last chunk.
    /// </summary>
    [Theory]
    [InlineData(2, 8, 8, 3)]
    [InlineData(2, 11, 9, 3)]    // ragged edges: floor mode leaves the last row and column out
    [InlineData(3, 10, 7, 3)]
    [InlineData(2, 30, 30, 100)] // 100 samples of 4·30·30: two chunks of MaxPoolFunction.PoolChunkElements
    public void Equals_libtorch_with_ties(int k, int height, int width, int samples)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(11);
        // Few distinct values: most windows hold ties, so the winner rule (first maximum in row-major order) is tested.
        var values = torch.randint(0, 3, [samples, 4, height, width], generator: g).to_type(ScalarType.Float64);
        var special = torch.rand(values.shape, generator: g, dtype: ScalarType.Float64);
        values.masked_fill_(special.lt(0.02), double.NaN);
        values.masked_fill_(special.gt(0.9), double.NegativeInfinity);
        values[0, 0, TensorIndex.Slice(0, k), TensorIndex.Slice(0, k)] = torch.tensor(double.NegativeInfinity, dtype: ScalarType.Float64);
        Assert.True(samples < 100 || values.numel() > MaxPoolFunction.PoolChunkElements, "the last case spans chunks");
        var weights = torch.randn([samples, 4, height / k, width / k], generator: g, dtype: ScalarType.Float64);
        var compact = values.clone().requires_grad_();
        var reference = values.clone().requires_grad_();
        var output = MaxPoolFunction.Run(compact, k);
        var expected = max_pool2d(reference, [k, k], [k, k]);
        (output * weights).sum().backward();
        (expected * weights).sum().backward();
        Assert.True(output.isnan().equal(expected.isnan()).all().item<bool>(), "NaN outputs differ");
        Assert.True(output.nan_to_num().equal(expected.nan_to_num()).all().item<bool>(), "outputs differ");
        Assert.True(compact.grad!.equal(reference.grad!).all().item<bool>(), "input gradients differ");
        Assert.Equal(weights.numel(), compact.grad!.ne(0.0).sum().item<long>());   // one winner per window
        using (torch.no_grad())
        {
            var plain = MaxPoolFunction.Run(values, k);   // the path without a graph
            Assert.True(plain.isnan().equal(expected.isnan()).all().item<bool>(), "NaN outputs differ without a graph");
            Assert.True(plain.nan_to_num().equal(expected.detach().nan_to_num()).all().item<bool>(), "outputs differ without a graph");
        }
    }
}
