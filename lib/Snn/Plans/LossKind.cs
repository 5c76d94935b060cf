namespace Snn.Plans;

/// <summary>The loss of each block on its window-averaged class scores.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of the scores averaged over the window's steps.</summary>
    CrossEntropy,
    /// <summary>
    /// Mean squared error between the window-averaged class scores (the readout membrane for the last block, the head output
    /// for local heads) and the one-hot label.
    /// </summary>
    RateMse,
}
