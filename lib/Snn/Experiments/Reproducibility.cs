using TorchSharp;

namespace Snn.Experiments;

public static class Reproducibility
{
    /// <summary>Seeds TorchSharp's global generator (weights, dropout, encoders); returns the seed so it can be recorded.</summary>
    public static int Seed(int seed)
    {
        torch.manual_seed(seed);
        return seed;
    }
}
