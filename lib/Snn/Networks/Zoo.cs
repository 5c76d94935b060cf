namespace Snn.Networks;

/// <summary>
/// Networks used across the notebooks and benchmarks, built from specs so they can be printed and
/// tweaked: pass the spec string (e.g. <see cref="AlexNetSpec"/>) to <see cref="NetworkSpec.Build"/> with changes.
/// </summary>
public static class Zoo
{
    /// <summary>The quickstart CSNN for 1×28×28 images (MNIST, Fashion-MNIST).</summary>
    public const string CsnnSpec = "32C5-P2-64C5-P2-FC10";

    public static SpikingNetwork Csnn(long[]? inputShape = null, NetworkOptions? options = null, string spec = CsnnSpec) =>
        NetworkSpec.Build(spec, inputShape ?? [1, 28, 28], options);

    /// <summary>
    /// Fully connected SNN, e.g. 784-800-10 (workload W1). <paramref name="batchNorm"/> adds tdBN to every
    /// hidden layer (deep plain stacks fall silent with the default init, like AlexNet below).
    /// </summary>
    public static string MlpSpec(int[]? hidden = null, int classes = 10, bool batchNorm = false) =>
        string.Join("-", (hidden ?? [800]).Select(h => $"FC{Positive(h, nameof(hidden))}{(batchNorm ? "-BN" : "")}")
            .Append($"FC{Positive(classes, nameof(classes))}"));

    public static SpikingNetwork Mlp(long inputFeatures = 784, int[]? hidden = null, int classes = 10, NetworkOptions? options = null,
        bool batchNorm = false) =>
        NetworkSpec.Build(MlpSpec(hidden, classes, batchNorm), [inputFeatures], options);

    /// <summary>LeNet-5-style CSNN (average pooling, three FC layers) for 1×28×28 images; optional tdBN after every hidden layer.</summary>
    public static string LeNetSpec(int classes = 10, bool batchNorm = false)
    {
        var bn = batchNorm ? "-BN" : "";
        return $"6C5p2{bn}-AP2-16C5{bn}-AP2-FC120{bn}-FC84{bn}-FC{Positive(classes, nameof(classes))}";
    }

    public static SpikingNetwork LeNet(long[]? inputShape = null, int classes = 10, NetworkOptions? options = null, bool batchNorm = false) =>
        NetworkSpec.Build(LeNetSpec(classes, batchNorm), inputShape ?? [1, 28, 28], options);

    /// <summary>
    /// VGG-style net (VGG-11 layout: 8 convs, 5 max-pools, at reduced width, tdBN after every conv, then FC-dropout-FC)
    /// for C×32×32 images such as CIFAR-10;
    /// <paramref name="width"/> scales all channel counts (1 → 64…512 channels).
    /// </summary>
    public static string VggSpec(int classes = 10, double width = 0.5)
    {
        if (!(width > 0)) throw new ArgumentOutOfRangeException(nameof(width), width, "Width multiplier must be > 0.");
        string C(int n) => $"{Math.Max(1, (int)Math.Round(n * width))}C3p1-BN";
        return $"{C(64)}-P2-{C(128)}-P2-{C(256)}-{C(256)}-P2-{C(512)}-{C(512)}-P2-{C(512)}-{C(512)}-P2-"
            + $"FC{Math.Max(1, (int)Math.Round(512 * width))}-D0.2-FC{Positive(classes, nameof(classes))}";
    }

    public static SpikingNetwork Vgg(long[]? inputShape = null, int classes = 10, double width = 0.5, NetworkOptions? options = null) =>
        NetworkSpec.Build(VggSpec(classes, width), inputShape ?? [3, 32, 32], options);

    /// <summary>
    /// Spiking AlexNet for 2×H×W event frames (workload W3 at 64 px:
    /// 64C3p1-P2-192C3p1-P2-384C3p1-256C3p1-256C3p1-P2-FC1024-FC10). At 128 px the first conv takes
    /// stride 2 so the FC layer keeps W3's 256·8·8 inputs; 48 px gives 256·6·6.
    /// <paramref name="batchNorm"/> (default) adds tdBN after every conv: with the default init and
    /// sparse input (5 % events) the plain net's currents shrink layer by layer and the deep layers stay
    /// silent (measured: see NetworkTests), which BN fixes by normalising each layer's currents to
    /// scale α·θ. Pass false for the exact W3 spec, and use <see cref="Calibration.ScaleToFiringRate"/>
    /// on a sample batch to wake its deep layers without changing the architecture.
    /// </summary>
    public static string AlexNetSpec(int size = 64, int classes = 10, bool batchNorm = true)
    {
        if (size is not (48 or 64 or 128))
            throw new ArgumentOutOfRangeException(nameof(size), size, "Spiking AlexNet is defined for 48, 64 and 128 px frames.");
        var bn = batchNorm ? "-BN" : "";
        var first = size == 128 ? "64C3s2p1" : "64C3p1";
        return $"{first}{bn}-P2-192C3p1{bn}-P2-384C3p1{bn}-256C3p1{bn}-256C3p1{bn}-P2-FC1024-FC{Positive(classes, nameof(classes))}";
    }

    public static SpikingNetwork AlexNet(int size = 64, int classes = 10, bool batchNorm = true, NetworkOptions? options = null) =>
        NetworkSpec.Build(AlexNetSpec(size, classes, batchNorm), [2, size, size], options);

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, "Layer sizes and class counts must be ≥ 1.");
}
