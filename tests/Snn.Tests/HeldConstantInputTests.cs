using Snn.Encoders;
using Snn.Networks;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// A plan whose gradients accumulate runs the first stage's synapse once per batch on a constant input
/// (<see cref="Layers.Stage.HoldConstantInput"/>): its training is bitwise that of running the synapse in every window, and
/// <see cref="TrainerOptions.SumConstantInputGradient"/> gives the same gradient up to float rounding.
/// </summary>
public sealed class HeldConstantInputTests
{
    private const int T = 6;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var spec in new[] { "FC12-FC3", "3C3-P2-FC3" })
            foreach (var plan in new[] { "tbptt-accumulate", "sltt", "sltt-k", "ottt-a", "tt-local-accumulate", "bptt" })
                data.Add(spec, plan);
        return data;
    }

    private static TrainingPlan Plan(string name) => name switch
    {
        "tbptt-accumulate" => TrainingPlan.Truncated(T, 2) with { Update = UpdatePolicy.Accumulate },
        "sltt" => TrainingPlan.Sltt(T),
        "sltt-k" => TrainingPlan.SlttK(T, 2),
        "ottt-a" => TrainingPlan.Ottt(T, online: false),
        "tt-local-accumulate" => TrainingPlan.TruncatedLocal(T, 3, 1) with { Update = UpdatePolicy.Accumulate },
        _ => TrainingPlan.Bptt(T),
    };

    private static long[] Shape(string spec) => spec.Contains('C') ? [1, 6, 6] : [10];

    /// <summary>Trains three batches and returns the parameters, the last gradients and every batch's losses and readout.</summary>
    private static (List<Tensor> Tensors, List<double> Numbers) Train(string spec, TrainingPlan plan, bool hold, bool sum = false)
    {
        torch.manual_seed(7);
        var net = NetworkSpec.Build(spec, Shape(spec));
        var trainer = new Trainer(net, plan, new TrainerOptions { MeasureMemory = false, LearningRate = 0.05, SumConstantInputGradient = sum })
        {
            HoldsConstantInput = hold,
        };
        var numbers = new List<double>();
        for (var b = 0; b < 3; b++)
        {
            using var scope = torch.NewDisposeScope();
            var g = new torch.Generator((ulong)(11 + b));
            var images = torch.rand([8, .. Shape(spec)], generator: g) * 2;
            var labels = torch.randint(0, 3, [8], generator: g);
            var outcome = trainer.TrainStep(new DirectEncoder().Encode(images, T), labels);
            numbers.AddRange([outcome.Loss, .. outcome.BlockLosses, .. outcome.Readout, .. outcome.SpikeCounts]);
        }
        var tensors = net.parameters().Concat(trainer.Heads.parameters())
            .SelectMany(p => p.grad is { } g ? new[] { p.detach().clone(), g.clone() } : [p.detach().clone()])
            .Select(t => t.DetachFromDisposeScope()).ToList();
        return (tensors, numbers);
    }

    private static bool SameBits(Tensor a, Tensor b) => a.dtype == b.dtype && a.shape.SequenceEqual(b.shape)
        && a.contiguous().bytes.ToArray().AsSpan().SequenceEqual(b.contiguous().bytes.ToArray());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_is_bitwise_that_of_a_synapse_run_per_window(string spec, string plan)
    {
        using var scope = torch.NewDisposeScope();
        var (held, heldNumbers) = Train(spec, Plan(plan), hold: true);
        var (each, eachNumbers) = Train(spec, Plan(plan), hold: false);
        Assert.Equal(each.Count, held.Count);
        for (var i = 0; i < held.Count; i++)
            Assert.True(SameBits(held[i], each[i]), $"{spec} {plan}: tensor {i} differs by {(held[i] - each[i]).abs().max().item<float>()}");
        Assert.Equal(eachNumbers, heldNumbers);
        Assert.True(heldNumbers.All(double.IsFinite));
    }

    [Theory]
    [InlineData("FC12-FC3")]
    [InlineData("3C3-P2-FC3")]
    public void Summed_gradient_matches_the_per_window_one_up_to_rounding(string spec)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var plan in new[] { Plan("sltt"), Plan("tbptt-accumulate") })
        {
            torch.manual_seed(7);
            var net = NetworkSpec.Build(spec, Shape(spec));
            net.to(ScalarType.Float64);
            var g = new torch.Generator(5);
            var images = torch.rand([8, .. Shape(spec)], generator: g, dtype: ScalarType.Float64) * 2;
            var labels = torch.randint(0, 3, [8], generator: g);
            var input = new DirectEncoder().Encode(images, T);
            var options = new TrainerOptions { MeasureMemory = false };
            var each = new Trainer(net, plan, options).ComputeGradients(input, labels);
            var summed = new Trainer(net, plan, options with { SumConstantInputGradient = true }).ComputeGradients(input, labels);
            Assert.Equal(each.Keys.Order(), summed.Keys.Order());
            foreach (var (name, gradient) in each)
            {
                var scale = gradient.abs().max().item<double>();
                Assert.True((gradient - summed[name]).abs().max().item<double>() <= 1e-12 * Math.Max(1, scale), $"{spec} {plan}: {name}");
            }
            var first = each.Single(kv => kv.Key.StartsWith("stages.0.", StringComparison.Ordinal) && kv.Key.EndsWith("weight", StringComparison.Ordinal));
            Assert.True(first.Value.abs().max().item<double>() > 1e-4, "the first layer's gradient should not vanish");
        }
    }

    [Fact]
    public void Bptt_with_a_summed_gradient_is_bitwise_bptt()
    {
        // One window: the sum of one gradient is that gradient.
        using var scope = torch.NewDisposeScope();
        var plan = TrainingPlan.Bptt(T) with { Update = UpdatePolicy.Accumulate };
        var (plain, plainNumbers) = Train("3C3-P2-FC3", plan, hold: true);
        var (summed, summedNumbers) = Train("3C3-P2-FC3", plan, hold: true, sum: true);
        for (var i = 0; i < plain.Count; i++) Assert.True(SameBits(plain[i], summed[i]), $"tensor {i}");
        Assert.Equal(plainNumbers, summedNumbers);
    }
}
