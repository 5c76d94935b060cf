namespace Snn.Optimization;

/// <summary>Which optimizer steps each block (<see cref="OptimizerSettings"/>).</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8) as <see cref="ChunkedAdam"/>: the kit's default.</summary>
    Adam,
    /// <summary>SGD with momentum as <see cref="ChunkedSgd"/> (dampening 0): what SLTT's and OTTT's published settings train with.</summary>
    Sgd,
}
