namespace Snn.Plans;

/// <summary>When the optimizer steps.</summary>
public enum UpdatePolicy
{
    /// <summary>After every block's backward in every window (update unlocking; the paper's scheme).</summary>
    PerWindowAndBlock,
    /// <summary>Gradients of all windows and blocks accumulate; one optimizer step per mini-batch.</summary>
    Accumulate,
}
