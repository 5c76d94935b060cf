using Snn.Layers;
using Snn.Native;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>
/// The compact max pooling node against libtorch's max_pool2d: the same output and input gradient, bit for bit, by
/// its native kernel and by its libtorch-operations path.
/// </summary>
public sealed class CompactMaxPoolTests
{
    [Theory]
    [InlineData(2, 8, 8, true)]
    [InlineData(2, 11, 9, true)]    // ragged edges: floor mode leaves the last row and column out
    [InlineData(3, 10, 7, true)]
    [InlineData(2, 8, 8, false)]
    [InlineData(2, 11, 9, false)]
    [InlineData(3, 10, 7, false)]
    public void Equals_libtorch_with_ties(int k, int height, int width, bool native)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(11);
        // Few distinct values: most windows hold ties, so the winner rule (first maximum in row-major order) is tested.
        var values = torch.randint(0, 3, [3, 4, height, width], generator: g).to_type(ScalarType.Float64);
        AssertSameAsLibtorch(values, k, native);
    }

    [Theory]
    [InlineData(ScalarType.Float32, true)]
    [InlineData(ScalarType.Float64, true)]
    [InlineData(ScalarType.Float32, false)]
    public void Infinities_and_NaN_win_as_in_libtorch(ScalarType dtype, bool native)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(5);
        var values = torch.randn([2, 3, 6, 8], generator: g, dtype: dtype);
        values[0, 0, 0, 0] = torch.tensor(double.NaN);                       // a NaN beats numbers
        values[0, 0, 2, 2] = torch.tensor(double.NegativeInfinity);
        values[0, 0, 2, 3] = torch.tensor(double.NegativeInfinity);
        values[0, 0, 3, 2] = torch.tensor(double.NegativeInfinity);
        values[0, 0, 3, 3] = torch.tensor(double.NegativeInfinity);          // an all −∞ window: its first place wins
        values[1, 2, 4, 4] = torch.tensor(double.PositiveInfinity);
        values[1, 2, 5, 5] = torch.tensor(double.PositiveInfinity);          // tied +∞: the first wins
        AssertSameAsLibtorch(values, 2, native, nanAware: true);
    }

    [Fact]
    public void The_native_kernels_are_built_and_loaded_beside_the_library()
    {
        var folder = Path.GetDirectoryName(typeof(NativeKernels).Assembly.Location)!;
        Assert.SkipUnless(File.Exists(Path.Combine(folder, "libsnn_kernels.so")), "libsnn_kernels.so was not built (no gcc): the TorchSharp path is used");
        Assert.True(NativeKernels.Available, $"libsnn_kernels.so is in {folder} but did not load (or ${NativeKernels.Variable}=0)");
    }

    private static void AssertSameAsLibtorch(Tensor values, int k, bool native, bool nanAware = false)
    {
        var g = new torch.Generator(3);
        var weights = torch.randn([.. values.shape[..^2], values.shape[^2] / k, values.shape[^1] / k], generator: g, dtype: values.dtype);
        var compact = values.clone().requires_grad_();
        var reference = values.clone().requires_grad_();
        var output = MaxPoolFunction.Run(compact, k, native);
        var expected = max_pool2d(reference, [k, k], [k, k]);
        (output * weights).nan_to_num().sum().backward();
        (expected * weights).nan_to_num().sum().backward();
        Assert.True(output.nan_to_num().equal(expected.nan_to_num()).all().item<bool>());
        Assert.True(output.isnan().equal(expected.isnan()).all().item<bool>());
        Assert.True(compact.grad!.equal(reference.grad!).all().item<bool>());
        if (!nanAware) Assert.Equal(weights.numel(), compact.grad!.ne(0.0).sum().item<long>());   // one winner per window
    }
}
