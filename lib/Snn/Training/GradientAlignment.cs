using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Plans;

namespace Snn.Training;

/// <summary>
/// For one batch at the current weights: per stage, how well the gradient of a plan (truncated and/or
/// local) points in the direction of the full-BPTT gradient. 1 = same direction, 0 = orthogonal.
/// Gradients come from <see cref="Trainer.ComputeGradients(Tensor, Tensor)"/>: no optimizer steps.
/// </summary>
public static class GradientAlignment
{
    /// <summary>
    /// Uses <paramref name="trainer"/>'s plan and its (possibly trained) local heads. Both gradients see the same
    /// <paramref name="input"/> [T, N, …], so a stochastic encoding cannot make them disagree.
    /// </summary>
    public static IReadOnlyList<LayerAlignment> Compare(Trainer trainer, Tensor input, Tensor labels)
    {
        var bptt = new Trainer(trainer.Network, TrainingPlan.Bptt(trainer.Plan.TimeSteps), trainer.Options with { CheckpointPath = null, Resume = false });
        return Compare(trainer.Network, trainer.ComputeGradients(input, labels), bptt.ComputeGradients(input, labels));
    }

    /// <summary>Builds a trainer for <paramref name="plan"/> (fresh local heads) and compares with BPTT.</summary>
    public static IReadOnlyList<LayerAlignment> Compare(SpikingNetwork network, TrainingPlan plan, Tensor input, Tensor labels) =>
        Compare(new Trainer(network, plan), input, labels);

    private static IReadOnlyList<LayerAlignment> Compare(SpikingNetwork network, Dictionary<string, Tensor> plan, Dictionary<string, Tensor> bptt)
    {
        try
        {
            var result = new List<LayerAlignment>();
            for (var i = 0; i < network.Stages.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var prefix = $"stages.{i}.";
                var keys = bptt.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                var a = torch.cat(keys.Select(k => plan[k].flatten().to_type(ScalarType.Float64)).ToArray());
                var b = torch.cat(keys.Select(k => bptt[k].flatten().to_type(ScalarType.Float64)).ToArray());
                double na = a.norm().item<double>(), nb = b.norm().item<double>();
                var cosine = na == 0 || nb == 0 ? 0 : a.dot(b).item<double>() / (na * nb);
                result.Add(new LayerAlignment(i, network.Stages[i].Spec, cosine, na, nb));
            }
            return result;
        }
        finally
        {
            foreach (var t in plan.Values.Concat(bptt.Values)) t.Dispose();
        }
    }
}
