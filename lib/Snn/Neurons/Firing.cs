using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// The spike rule s = (u − θ ≥ 0) as one or zero in u − θ's dtype, by libtorch's in-place comparison (vectorised; its
/// comparisons into bool run element by element), and what a hard reset passes on, 1 − s. A NaN membrane does not fire.
/// The per-step spike function, the fused LIF recurrence and the windows' backward all fire by it.
/// </summary>
internal static class Firing
{
    /// <summary>The spikes of <paramref name="uMinusTheta"/>, written into <paramref name="into"/> (a new tensor when null).</summary>
    public static Tensor Spikes(Tensor uMinusTheta, Tensor? into = null)
    {
        var s = into ?? uMinusTheta.clone();
        if (into is not null) s.copy_(uMinusTheta);
        s.ge_(0.0);
        return s;
    }

    /// <summary>1 − s for the spikes of <paramref name="uMinusTheta"/>: the factor a hard reset multiplies the membrane and its gradient by.</summary>
    public static Tensor Kept(Tensor uMinusTheta)
    {
        var kept = Spikes(uMinusTheta);
        kept.neg_().add_(1.0);
        return kept;
    }
}
