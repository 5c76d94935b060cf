using Snn.Neurons;

namespace Snn.Tests;

/// <summary>The LIF parameters of the surrogate × reset cases that the fused-window tests run.</summary>
internal static class LifCases
{
    /// <summary>"rectangular" (of <paramref name="width"/>) or "fast-sigmoid" (of <paramref name="slope"/>), with the given leak and threshold.</summary>
    public static LifParameters Parameters(string surrogate, ResetMode reset, double beta, double threshold, double width, double slope) =>
        LifParameters.Default with
        {
            Beta = beta,
            Threshold = threshold,
            Reset = reset,
            Surrogate = surrogate == "rectangular" ? new Rectangular(width) : new FastSigmoid(slope),
        };
}
