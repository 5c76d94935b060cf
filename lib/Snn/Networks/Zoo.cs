namespace Snn.Networks;

/// <summary>Networks used across the notebooks, built from specs so they can be printed and tweaked.</summary>
public static class Zoo
{
    /// <summary>The quickstart CSNN for 1×28×28 images (MNIST, Fashion-MNIST).</summary>
    public const string CsnnSpec = "32C5-P2-64C5-P2-FC10";

    public static SpikingNetwork Csnn(long[]? inputShape = null, NetworkOptions? options = null, string spec = CsnnSpec) =>
        NetworkSpec.Build(spec, inputShape ?? [1, 28, 28], options);
}
