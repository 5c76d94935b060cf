namespace Snn.Plans;

/// <summary>The loss of each block on its window-averaged class scores.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of the scores averaged over the window's steps.</summary>
    CrossEntropy,
    /// <summary>Mean squared error between the window-averaged scores (firing rate for spiking heads) and the one-hot label.</summary>
    RateMse,
}
