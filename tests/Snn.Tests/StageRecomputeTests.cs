using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// A linear stage that recomputes its window itself (<see cref="Stage.RecomputeSegment"/>) against the same stage run by
/// libtorch's Linear and the per-step LIF graph (<see cref="LifNeuron.Fused"/> off), in float64: the same spikes, and the
/// input, weight and bias gradients to float64 rounding, over windows whose state carries on (detached) between calls.
/// </summary>
public sealed class StageRecomputeTests
{
    private const int In = 9, Out = 7, N = 4;

    public static TheoryData<string, ResetMode, int, int> Cases()
    {
        var data = new TheoryData<string, ResetMode, int, int>();
        foreach (var surrogate in new[] { "rectangular", "fast-sigmoid" })
            foreach (var reset in new[] { ResetMode.Hard, ResetMode.Soft })
                foreach (var (steps, segment) in new[] { (6, 1), (7, 3), (6, 6), (5, 8) })
                    data.Add(surrogate, reset, steps, segment);
        return data;
    }

    private static LifParameters Parameters(string surrogate, ResetMode reset) => LifCases.Parameters(surrogate, reset, 0.8, 0.3, 0.9, 4.0);

    private static Stage Build(LifParameters p, bool fused)
    {
        torch.manual_seed(3);
        var linear = nn.Linear(In, Out, dtype: ScalarType.Float64);
        return new Stage("s", linear, null, new LifNeuron(p) { Fused = fused }, [In], [Out], $"FC{Out}",
            new StageLayout(SynapseKind.Linear, SynapseShape: [Out]));
    }

    /// <summary>Two windows of <paramref name="steps"/> steps, each with its own backward, the state detached between them.</summary>
    private static (Tensor Spikes, Tensor InputGrad, Tensor WeightGrad, Tensor BiasGrad) Run(Stage stage, int steps)
    {
        var g = new torch.Generator(5);
        var x = (torch.randn([2 * steps, N, In], generator: g, dtype: ScalarType.Float64) * 0.6).requires_grad_();
        var lossWeights = torch.randn([2 * steps, N, Out], generator: g, dtype: ScalarType.Float64);
        var spikes = new List<Tensor>();
        for (var w = 0; w < 2; w++)
        {
            var output = stage.forward(x.narrow(0, w * steps, steps));
            spikes.Add(output.detach());
            (output * lossWeights.narrow(0, w * steps, steps)).sum().backward();
            stage.DetachState();
        }
        var linear = (nn.Module<Tensor, Tensor>)stage.Synapse;
        var parameters = linear.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return (torch.cat(spikes), x.grad!.clone(), parameters["weight"].grad!.clone(), parameters["bias"].grad!.clone());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Recomputing_stage_matches_the_per_step_graph(string surrogate, ResetMode reset, int steps, int segment)
    {
        var p = Parameters(surrogate, reset);
        var reference = Run(Build(p, fused: false), steps);
        var recomputing = Build(p, fused: true);
        recomputing.RecomputeSegment = segment;
        var result = Run(recomputing, steps);

        var fired = reference.Spikes.sum().item<double>();
        Assert.InRange(fired, 1.0, reference.Spikes.numel() - 1.0);   // the case exercises resets and silent neurons alike
        Assert.True(reference.Spikes.equal(result.Spikes).all().item<bool>(), "spikes differ");
        foreach (var (name, expected, actual) in new[]
                 {
                     ("input", reference.InputGrad, result.InputGrad), ("weight", reference.WeightGrad, result.WeightGrad),
                     ("bias", reference.BiasGrad, result.BiasGrad),
                 })
        {
            var error = (expected - actual).abs().max().item<double>();
            var scale = expected.abs().max().item<double>();
            Assert.True(scale > 0, $"{name}: the reference gradient is zero");
            Assert.True(error <= 1e-12 * scale, $"{name} gradient: max |difference| {error:E2} against max |gradient| {scale:E2}");
        }
    }
}
