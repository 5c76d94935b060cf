using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Lets the kit's custom backward functions give back their memory early. TorchSharp wraps the gradients a custom
/// backward receives and returns in tensors registered with the caller's dispose scope, so they would stay allocated
/// until the training block's scope ends. A backward disposes the gradients it received itself; the ones it returns the
/// engine has copied (a reference of its own) once the next custom backward of this thread runs, which releases them.
/// </summary>
internal static class GradientRelease
{
    [ThreadStatic]
    private static List<Tensor>? returned;

    /// <summary>Releases what earlier backwards of this thread returned; call first in a backward.</summary>
    public static void ReleaseReturned()
    {
        if (returned is null) return;
        foreach (var t in returned) t.Dispose();
        returned.Clear();
    }

    /// <summary>Marks a gradient this backward returns, for release by the next backward of this thread.</summary>
    public static Tensor Returned(Tensor gradient)
    {
        (returned ??= []).Add(gradient);
        return gradient;
    }

    /// <summary>A gradient a backward received, or null where it is undefined (an output that got none).</summary>
    public static Tensor? Defined(Tensor? gradient) => gradient is null || gradient.IsInvalid ? null : gradient;

    /// <summary>
    /// Disposes the gradients a backward received. An undefined one (an output that got no gradient) is an empty
    /// wrapper that its scope would never count as disposed; it is detached from the scope instead, so that the scope
    /// statistics (live tensor counts) stay balanced.
    /// </summary>
    public static void ReleaseReceived(IEnumerable<Tensor> gradients)
    {
        foreach (var g in gradients)
        {
            if (g is null) continue;
            if (g.IsInvalid) g.DetachFromDisposeScope();
            else g.Dispose();
        }
    }
}
