using TorchSharp;

namespace Snn.Training;

/// <summary>
/// SLTT-K's choice of steps: per batch, the first k of a random permutation of 0 … T−1 (SLTT's
/// <c>torch.randperm(T)[:K]</c>), drawn from a generator of its own seeded by the run's seed, so that the choice does not
/// move the global stream (dropout, initialisation) and a checkpoint can carry its state.
/// </summary>
internal sealed class StepSampler(int seed, int timeSteps, int sampledSteps)
{
    // Offset from the run seed so the permutations are not the global generator's stream under the same seed.
    private readonly torch.Generator generator = new(unchecked((ulong)(uint)seed ^ 0x534C_5454_4B00_0000UL));

    /// <summary>The steps chosen for the last batch, ascending (null before the first draw).</summary>
    public int[]? Last { get; private set; }

    /// <summary>Draws the steps of the next batch; true at the chosen ones.</summary>
    public bool[] Next()
    {
        using var scope = torch.NewDisposeScope();
        var chosen = torch.randperm(timeSteps, generator: generator).narrow(0, 0, sampledSteps).data<long>().Select(t => (int)t).Order().ToArray();
        Last = chosen;
        var mask = new bool[timeSteps];
        foreach (var t in chosen) mask[t] = true;
        return mask;
    }

    /// <summary>The generator's state (for checkpoints).</summary>
    public byte[] State
    {
        get
        {
            using var state = generator.get_state();
            return state.data<byte>().ToArray();
        }
        set
        {
            using var state = torch.tensor(value, dtype: torch.ScalarType.Byte);
            generator.set_state(state);
        }
    }
}
