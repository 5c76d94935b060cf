using Snn.Layers;

namespace Snn.Costs;

/// <summary>
/// Operations (MACs, ACs per phase) and memory traffic (bytes read + written) of one training step, per stage and local
/// head: the first and second items of <see cref="CostModel"/>'s accounting. Backward-side ops and traffic scale with
/// the share of steps that backpropagate (<see cref="StepLayout.BackwardShare"/>, k/T for SLTT-K); a traced stage (OTTT)
/// counts its weight gradient as MACs and its trace's traffic.
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
        var share = layout.BackwardShare;   // SLTT-K: only k of the T steps run backward
        var dense = (double)st.SynapseMacs * n * T;
        var analog = i == 0 && o.AnalogInput;
        var traced = layout.Traced[i];   // OTTT: the weight gradient's other operand is the real-valued trace, so its products are MACs
        var inRate = i == 0 ? (o.AnalogInput ? 1.0 : o.InputRate) : o.FiringRates?[i - 1] ?? 1.0;
        var constant = i == 0 && o.InputConstantOverTime;
        var errorProp = i > 0 && !layout.FirstOfBlock[i];
        var weights = (double)st.Parameters;
        var retained = footprint.Retained;
        var perStep = retained / n;

        var fwdActs = n * T * (st.InputSize + (constant ? 0 : st.SynapseOutputs) + (st.Pool == PoolKind.None ? 0 : st.SynapseOutputs + st.Neurons)
                               + 4.0 * st.Neurons) * b;
        var bwdActs = n * T * perStep + n * T * (st.Neurons + st.SynapseOutputs + (errorProp ? st.InputSize : 0)) * b;
        // The trace's update reads â and x and writes â every step; the weight gradient reads â where the plain synapse reads its input.
        var traceActs = traced ? n * T * st.InputSize * b * (3 + share) : 0;
        return new StageCost(i, st.Spec, layout.BlockOf[i], false,
            ForwardMacs: analog ? dense : 0,
            ForwardAcs: analog ? 0 : dense * inRate,
            ErrorPropagationMacs: errorProp ? dense * share : 0,
            WeightGradientMacs: analog || traced ? dense * share : 0,
            WeightGradientAcs: analog || traced ? 0 : dense * inRate * share,
            OptimizerMacs: o.OptimizerMacsPerParameter * weights * updates,
            WeightBytes: (W + (errorProp ? W * share : 0)) * weights * b,
            ActivationBytes: fwdActs + bwdActs * share + traceActs,
            GradientBytes: W * share * weights * b * 2,
            OptimizerBytes: updates * weights * b * (3 + 2 * o.OptimizerStateTensors),
            RetainedBytesPerStep: retained,
            Parameters: (long)weights);
    }

    /// <summary>
    /// A local head runs once per window on the window mean: forward, error propagation and (learnable) weight-gradient MACs;
    /// its backward only in the windows that backpropagate.
    /// </summary>
    private static StageCost Head(StepLayout layout, HeadCost head)
    {
        var o = layout.Options;
        double n = layout.N, T = layout.T, b = layout.BytesPerElement, W = layout.WindowCount, updates = layout.Updates;
        var share = layout.BackwardShare;
        var (features, classes, learnable) = (head.Features, head.Classes, head.Learnable);
        var p = head.Parameters;
        var ops = n * W * features * classes;
        var name = $"head{head.Block} ({(head.Pooled ? "pool→" : "")}FC{classes} on {head.Input.Spec})";
        return new StageCost(layout.Stages.Count + head.Block, name, head.Block, true,
            ForwardMacs: ops, ForwardAcs: 0,
            ErrorPropagationMacs: ops * share,
            WeightGradientMacs: learnable ? ops * share : 0, WeightGradientAcs: 0,
            OptimizerMacs: learnable ? o.OptimizerMacsPerParameter * p * updates : 0,
            WeightBytes: W * p * b * (1 + share),
            ActivationBytes: n * T * head.Input.Neurons * b * (1 + share) + n * W * (features + classes) * b * (1 + share),
            GradientBytes: learnable ? W * share * p * b * 2 : 0,
            OptimizerBytes: learnable ? updates * p * b * (3 + 2 * o.OptimizerStateTensors) : 0,
            RetainedBytesPerStep: 0,
            Parameters: (long)p);
    }
}
