using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// A multi-step module that carries state over time ([K, N, …] in, [K, N, …] out): neurons, readouts, a dropout
/// whose mask lives for one sequence. Subclasses declare their state once with <see cref="RegisterState"/>; the
/// network-wide operations of <see cref="NetworkState"/> (reset, detach, extract, load) then work on any new module
/// without an edit elsewhere (SpikingJelly's MemoryModule and reset_net).
/// </summary>
public abstract class StatefulModule : nn.Module<Tensor, Tensor>
{
    private readonly List<StateSlot> slots = [];

    protected StatefulModule(string name) : base(name) { }

    /// <summary>Declares a named state tensor, empty (at rest) until the module sets it.</summary>
    protected StateSlot RegisterState(string name)
    {
        if (slots.Any(s => s.Name == name)) throw new ArgumentException($"{GetType().Name} already has a state named '{name}'.", nameof(name));
        var slot = new StateSlot(name);
        slots.Add(slot);
        return slot;
    }

    /// <summary>The declared states, in declaration order.</summary>
    public IReadOnlyList<StateSlot> States => slots;

    /// <summary>
    /// Whether this module's state carries gradient within a window, so that <see cref="NetworkState.DetachState"/> cuts it at
    /// window borders and recomputation saves it at segment borders (false for state without gradient history).
    /// </summary>
    protected internal virtual bool DetachesAtWindowBorders => true;

    /// <summary>
    /// Set by recomputation while it re-runs a segment: the state a call leaves must keep its gradient history even when
    /// the state it started from had none (the fused LIF window otherwise leaves a membrane without history).
    /// </summary>
    internal bool KeepsStateHistory { get; set; }

    internal void ResetOwnState()
    {
        foreach (var s in slots) s.Clear();
    }

    internal void DetachOwnState()
    {
        if (!DetachesAtWindowBorders) return;
        foreach (var s in slots) s.Detach();
    }
}
