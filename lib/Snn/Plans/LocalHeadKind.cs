namespace Snn.Plans;

/// <summary>What turns a non-final block's output into class scores for its local loss.</summary>
public enum LocalHeadKind
{
    /// <summary>Global average pool over space (conv outputs) → linear → classes; learnable.</summary>
    PoolLinear,
    /// <summary>Fixed random projection of the flattened output to the classes (DECOLLE); not trained.</summary>
    FixedRandom,
}
