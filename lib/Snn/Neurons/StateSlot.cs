using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Holds a neuron's carried tensors outside any dispose scope (so they survive the step that made them)
/// and disposes the previous ones when replaced. Not a Tensor field, so never registered as a buffer.
/// </summary>
public sealed class StateSlot
{
    private Tensor[]? tensors;

    public bool IsEmpty => tensors is null;

    public Tensor this[int index] => tensors is { } t ? t[index] : throw new InvalidOperationException("The state slot is empty (reset).");

    /// <summary>Takes ownership of <paramref name="values"/> and releases what was held before.</summary>
    public void Set(params Tensor[] values)
    {
        var old = tensors;
        foreach (var v in values) v.DetachFromDisposeScope();
        tensors = values;
        Release(old, keep: values);
    }

    /// <summary>Replaces each tensor by a detached alias (same storage, no gradient history).</summary>
    public void Detach()
    {
        if (tensors is null) return;
        Set(tensors.Select(t => t.detach()).ToArray());
    }

    public void Clear()
    {
        var old = tensors;
        tensors = null;
        Release(old, keep: []);
    }

    private static void Release(Tensor[]? old, Tensor[] keep)
    {
        if (old is null) return;
        // By reference: Tensor.Equals compares values, and a detached alias equals its source.
        foreach (var t in old)
            if (!keep.Any(k => ReferenceEquals(k, t))) t.Dispose();
    }
}
