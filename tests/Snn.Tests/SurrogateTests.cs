using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

public sealed class SurrogateTests
{
    public static TheoryData<Surrogate> All() =>
        [new Rectangular(), new Rectangular(0.4), new SigmoidSurrogate(), new ArcTan(), new FastSigmoid(), new Triangular()];

    // Points avoid the kinks of the piecewise surrogates, where finite differences are ill-defined.
    private static readonly double[] Points = [-2.3, -0.9, -0.45, -0.13, -0.01, 0.02, 0.17, 0.31, 0.49, 0.77, 1.6];

    /// <summary>Independent closed forms of each surrogate's derivative (not the library's code).</summary>
    private static double Expected(Surrogate s, double x) => s switch
    {
        Rectangular r => Math.Abs(x) < r.Width / 2 ? 1 / r.Width : 0,
        SigmoidSurrogate g => g.Alpha * Math.Exp(-g.Alpha * x) / Math.Pow(1 + Math.Exp(-g.Alpha * x), 2),
        ArcTan a => a.Alpha / 2 / (1 + Math.Pow(Math.PI / 2 * a.Alpha * x, 2)),
        FastSigmoid f => 1 / Math.Pow(1 + f.Slope * Math.Abs(x), 2),
        Triangular t => Math.Max(0, 1 - Math.Abs(x) / t.HalfWidth) / t.HalfWidth,
        _ => throw new ArgumentException(s.Name),
    };

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_is_heaviside_and_backward_is_the_surrogate_formula(Surrogate surrogate)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Points, dtype: ScalarType.Float64).requires_grad_(true);
        var upstream = torch.linspace(0.5, 1.5, Points.Length, dtype: ScalarType.Float64);
        var spikes = surrogate.Spike(x);
        Assert.Equal(Points.Select(p => p >= 0 ? 1.0 : 0.0), spikes.data<double>().ToArray());
        (spikes * upstream).sum().backward();
        var grad = x.grad!.data<double>().ToArray();
        var up = upstream.data<double>().ToArray();
        for (var i = 0; i < Points.Length; i++)
            Assert.Equal(up[i] * Expected(surrogate, Points[i]), grad[i], 12);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Derivative_matches_finite_differences_of_the_primitive(Surrogate surrogate)
    {
        using var scope = torch.NewDisposeScope();
        const double h = 1e-6;
        var x = torch.tensor(Points, dtype: ScalarType.Float64);
        var numeric = (surrogate.Primitive(x + h) - surrogate.Primitive(x - h)) / (2 * h);
        var analytic = surrogate.Derivative(x);
        Assert.True(torch.allclose(numeric, analytic, rtol: 1e-5, atol: 1e-7),
            $"{surrogate}: {string.Join(", ", numeric.data<double>().ToArray())} vs {string.Join(", ", analytic.data<double>().ToArray())}");
        // A primitive is a smooth non-decreasing step through 1/2 at the threshold.
        var grid = surrogate.Primitive(torch.linspace(-50, 50, 2001, dtype: ScalarType.Float64));
        Assert.True(grid.diff().ge(0).all().item<bool>());
        Assert.Equal(0.5, surrogate.Primitive(torch.zeros(1, dtype: ScalarType.Float64)).item<double>(), 12);
    }
}
