using Snn.Layers;

namespace Snn.Costs;

/// <summary>
/// Operations (MACs, ACs per phase) and memory traffic (bytes read + written) of one training step, per stage and local
/// head: the first and second items of <see cref="CostModel"/>'s accounting.
/// </summary>
internal static class OperationModel
{
    /// <summary>The stages' costs in order, then the local heads'.</summary>
    public static List<StageCost> Costs(StepLayout layout, IReadOnlyList<StageFootprint> footprints, IReadOnlyList<HeadCost> heads)
    {
        var costs = new List<StageCost>();
        for (var i = 0; i < layout.Stages.Count; i++) costs.Add(Stage(layout, i, footprints[i]));
        foreach (var head in heads) costs.Add(Head(layout, head));
        return costs;
    }

    private static StageCost Stage(StepLayout layout, int i, StageFootprint footprint)
    {
        var st = layout.Stages[i];
        var o = layout.Options;
        double n = layout.N, T = layout.T, b = layout.BytesPerElement, W = layout.WindowCount, updates = layout.Updates;
        var dense = (double)st.SynapseMacs * n * T;
        var analog = i == 0 && o.AnalogInput;
        var inRate = i == 0 ? (o.AnalogInput ? 1.0 : o.InputRate) : o.FiringRates?[i - 1] ?? 1.0;
        var constant = i == 0 && o.InputConstantOverTime;
        var errorProp = i > 0 && !layout.FirstOfBlock[i];
        var weights = (double)st.Parameters;
        var retained = footprint.Retained;
        var perStep = retained / n;

        var fwdActs = n * T * (st.InputSize + (constant ? 0 : st.SynapseOutputs) + (st.Pool == PoolKind.None ? 0 : st.SynapseOutputs + st.Neurons)
                               + 4.0 * st.Neurons) * b;
        var bwdActs = n * T * perStep + n * T * (st.Neurons + st.SynapseOutputs + (errorProp ? st.InputSize : 0)) * b;
        return new StageCost(i, st.Spec, layout.BlockOf[i], false,
            ForwardMacs: analog ? dense : 0,
            ForwardAcs: analog ? 0 : dense * inRate,
            ErrorPropagationMacs: errorProp ? dense : 0,
            WeightGradientMacs: analog ? dense : 0,
            WeightGradientAcs: analog ? 0 : dense * inRate,
            OptimizerMacs: o.OptimizerMacsPerParameter * weights * updates,
            WeightBytes: W * weights * b * (errorProp ? 2 : 1),
            ActivationBytes: fwdActs + bwdActs,
            GradientBytes: W * weights * b * 2,
            OptimizerBytes: updates * weights * b * (3 + 2 * o.OptimizerStateTensors),
            RetainedBytesPerStep: retained,
            Parameters: (long)weights);
    }

    /// <summary>A local head runs once per window on the window mean: forward, error propagation and (learnable) weight-gradient MACs.</summary>
    private static StageCost Head(StepLayout layout, HeadCost head)
    {
        var o = layout.Options;
        double n = layout.N, T = layout.T, b = layout.BytesPerElement, W = layout.WindowCount, updates = layout.Updates;
        var (features, classes, learnable) = (head.Features, head.Classes, head.Learnable);
        var p = head.Parameters;
        var ops = n * W * features * classes;
        var name = $"head{head.Block} ({(head.Pooled ? "pool→" : "")}FC{classes} on {head.Input.Spec})";
        return new StageCost(layout.Stages.Count + head.Block, name, head.Block, true,
            ForwardMacs: ops, ForwardAcs: 0,
            ErrorPropagationMacs: ops,
            WeightGradientMacs: learnable ? ops : 0, WeightGradientAcs: 0,
            OptimizerMacs: learnable ? o.OptimizerMacsPerParameter * p * updates : 0,
            WeightBytes: W * p * b * 2,
            ActivationBytes: n * T * head.Input.Neurons * b * 2 + n * W * (features + classes) * b * 2,
            GradientBytes: learnable ? W * p * b * 2 : 0,
            OptimizerBytes: learnable ? updates * p * b * (3 + 2 * o.OptimizerStateTensors) : 0,
            RetainedBytesPerStep: 0,
            Parameters: (long)p);
    }
}
