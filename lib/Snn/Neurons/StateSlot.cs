using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// One named piece of carried state (a membrane, the last spikes, a dropout mask). Holds its tensor outside any
/// dispose scope, so it survives the step that made it, and disposes the previous one when replaced. Not a Tensor
/// field, so TorchSharp never registers it as a buffer. Made by <see cref="StatefulModule.RegisterState"/>.
/// </summary>
public sealed class StateSlot
{
    private Tensor? value;

    internal StateSlot(string name) => Name = name;

    /// <summary>The state's name inside its module, e.g. "membrane".</summary>
    public string Name { get; }

    /// <summary>True after a reset: the next step starts from rest.</summary>
    public bool IsEmpty => value is null;

    /// <summary>The carried tensor; throws when the slot is empty.</summary>
    public Tensor Value => value ?? throw new InvalidOperationException($"The state '{Name}' is empty (reset).");

    /// <summary>The carried tensor, or null after a reset.</summary>
    public Tensor? ValueOrNull => value;

    /// <summary>Takes ownership of <paramref name="tensor"/> and releases what was held before.</summary>
    public void Set(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.DetachFromDisposeScope();
        var old = value;
        value = tensor;
        // By reference: Tensor.Equals compares values, and a detached alias equals its source.
        if (old is not null && !ReferenceEquals(old, tensor)) old.Dispose();
    }

    /// <summary>Keeps the value but cuts its gradient history (a detached alias of the same storage).</summary>
    public void Detach()
    {
        if (value is not null) Set(value.detach());
    }

    public void Clear()
    {
        var old = value;
        value = null;
        old?.Dispose();
    }
}
