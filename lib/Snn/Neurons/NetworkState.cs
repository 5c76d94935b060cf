using static TorchSharp.torch;

namespace Snn.Neurons;

/// <summary>
/// Network-wide operations on the carried state of every <see cref="StatefulModule"/> in a module tree (the module
/// itself included): reset per sequence, detach at truncation borders, and extract / load for streaming or online
/// use (pause a sequence, keep its state, continue later).
/// </summary>
public static class NetworkState
{
    /// <summary>Forgets all state: the next step of every module starts from rest.</summary>
    public static void ResetState(this nn.Module module)
    {
        foreach (var (_, m) in StatefulModules(module)) m.ResetOwnState();
    }

    /// <summary>Keeps the state's values but cuts their gradient history (a truncation border).</summary>
    public static void DetachState(this nn.Module module)
    {
        foreach (var (_, m) in StatefulModules(module)) m.DetachOwnState();
    }

    /// <summary>
    /// Copies of every non-empty state tensor, keyed "module path/state name" (e.g. "stages.0.neuron/membrane");
    /// detached clones owned by the caller, outside any dispose scope.
    /// </summary>
    public static Dictionary<string, Tensor> ExtractState(this nn.Module module)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (path, m) in StatefulModules(module))
            foreach (var slot in m.States)
                if (slot.ValueOrNull is { } value)
                    result[Key(path, slot.Name)] = value.detach().clone().DetachFromDisposeScope();
        return result;
    }

    /// <summary>
    /// Sets every module's state from <paramref name="state"/> (as made by <see cref="ExtractState"/>; copies are
    /// taken); a state without an entry is reset. Throws on a key that names no state of this module tree.
    /// </summary>
    public static void LoadState(this nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var known = new HashSet<string>();
        var modules = StatefulModules(module);
        foreach (var (path, m) in modules)
            foreach (var slot in m.States)
                known.Add(Key(path, slot.Name));
        var unknown = state.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
            throw new ArgumentException($"State '{unknown}' names no state of this network; expected keys like: {string.Join(", ", known.Take(4))}.",
                nameof(state));
        foreach (var (path, m) in modules)
            foreach (var slot in m.States)
            {
                if (state.TryGetValue(Key(path, slot.Name), out var value)) slot.Set(value.detach().clone());
                else slot.Clear();
            }
    }

    /// <summary>
    /// The slots of every module in the tree that detach at window borders (membranes, last spikes; not a dropout mask), in
    /// tree order: the state whose gradient flows within a window, which recomputation saves at segment borders and
    /// restores as leaves (docs/method.md, recomputation).
    /// </summary>
    internal static List<StateSlot> WindowSlots(this nn.Module module) =>
        StatefulModules(module).Where(m => m.Module.DetachesAtWindowBorders).SelectMany(m => m.Module.States).ToList();

    /// <summary>Sets <see cref="StatefulModule.KeepsStateHistory"/> on every module of the tree.</summary>
    internal static void KeepStateHistory(this nn.Module module, bool keep)
    {
        foreach (var (_, m) in StatefulModules(module)) m.KeepsStateHistory = keep;
    }

    private static string Key(string path, string state) => path.Length == 0 ? state : $"{path}/{state}";

    private static List<(string Path, StatefulModule Module)> StatefulModules(nn.Module root)
    {
        var result = new List<(string, StatefulModule)>();
        if (root is StatefulModule self) result.Add(("", self));
        foreach (var (name, m) in root.named_modules())
            if (m is StatefulModule s && !ReferenceEquals(s, root)) result.Add((name, s));
        return result;
    }
}
