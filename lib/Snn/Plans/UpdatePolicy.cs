namespace Snn.Plans;

/// <summary>When the optimizer steps.</summary>
public enum UpdatePolicy
{
    /// <summary>
    /// After every block's backward in every window (update unlocking; the paper's scheme). Each window's loss is the
    /// mean over its own steps, so a short last window (K not dividing T) gets a full, unweighted step like any other:
    /// every window counts as one sample of the truncated objective. Use <see cref="Accumulate"/> to weight windows by length.
    /// </summary>
    PerWindowAndBlock,
    /// <summary>
    /// Gradients of all windows and blocks accumulate, each window weighted by length / T (K = T gives the BPTT loss exactly);
    /// one optimizer step per mini-batch.
    /// </summary>
    Accumulate,
}
