using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// The cost of the local head of a non-final block (Snn.Training.LocalHead, shaped by <see cref="LocalHeadShape"/>): on
/// the window-averaged output of the block's last stage, a global average pool over space (conv outputs) and a
/// learnable linear layer (<see cref="LocalHeadKind.PoolLinear"/>), or a fixed random
/// projection of the flattened output (<see cref="LocalHeadKind.FixedRandom"/>), to the classes.
/// </summary>
/// <param name="Block">The block it trains.</param>
/// <param name="Input">The block's last stage.</param>
/// <param name="Pooled">True when it pools a conv output over space first.</param>
/// <param name="Learnable">True when the optimizer trains it.</param>
/// <param name="Features">Inputs of its linear map: channels when pooled, the stage's neurons otherwise.</param>
/// <param name="Classes">Outputs of its linear map.</param>
internal sealed record HeadCost(int Block, StageDescription Input, bool Pooled, bool Learnable, double Features, long Classes)
{
    /// <summary>Weights and, when learnable, biases.</summary>
    public double Parameters => Features * Classes + (Learnable ? Classes : 0);

    /// <summary>One head per block but the last, in block order.</summary>
    public static IReadOnlyList<HeadCost> Of(StepLayout layout)
    {
        var classes = layout.Stages[^1].OutputShape[^1];
        var heads = new List<HeadCost>();
        for (var m = 0; m < layout.Blocks.Count - 1; m++)
        {
            var last = layout.LastOf(m);
            var kind = layout.Plan.Head;
            heads.Add(new HeadCost(m, last, LocalHeadShape.Pools(kind, last.OutputShape), LocalHeadShape.Learnable(kind),
                LocalHeadShape.Features(kind, last.OutputShape), classes));
        }
        return heads;
    }
}
