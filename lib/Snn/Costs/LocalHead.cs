using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// The local head of a non-final block: on the window-averaged output of the block's last stage, a global average pool
/// over space (conv outputs) and a learnable linear layer (<see cref="LocalHeadKind.PoolLinear"/>), or a fixed random
/// projection of the flattened output (<see cref="LocalHeadKind.FixedRandom"/>), to the classes.
/// </summary>
/// <param name="Block">The block it trains.</param>
/// <param name="Input">The block's last stage.</param>
/// <param name="Pooled">True when it pools a conv output over space first.</param>
/// <param name="Learnable">True when the optimizer trains it.</param>
/// <param name="Features">Inputs of its linear map: channels when pooled, the stage's neurons otherwise.</param>
/// <param name="Classes">Outputs of its linear map.</param>
internal sealed record LocalHead(int Block, StageDescription Input, bool Pooled, bool Learnable, double Features, long Classes)
{
    /// <summary>Weights and, when learnable, biases.</summary>
    public double Parameters => Features * Classes + (Learnable ? Classes : 0);

    /// <summary>One head per block but the last, in block order.</summary>
    public static IReadOnlyList<LocalHead> Of(StepLayout layout)
    {
        var classes = layout.Stages[^1].OutputShape[^1];
        var heads = new List<LocalHead>();
        for (var m = 0; m < layout.Blocks.Count - 1; m++)
        {
            var last = layout.LastOf(m);
            var pooled = layout.Plan.Head == LocalHeadKind.PoolLinear && last.OutputShape.Length == 3;
            double features = pooled ? last.OutputShape[0] : last.Neurons;
            heads.Add(new LocalHead(m, last, pooled, layout.Plan.Head == LocalHeadKind.PoolLinear, features, classes));
        }
        return heads;
    }
}
