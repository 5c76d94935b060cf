using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data;

/// <summary>
/// A tiny separable dataset made from a seed, for tests and smoke runs that need no files: 8×8 grey images of
/// noise (≤ 0.3) with a bright bar (0.9) in the left (class 0) or the right half (class 1).
/// </summary>
public static class SyntheticBars
{
    public const int Size = 8;
    public static readonly IReadOnlyList<string> ClassNames = ["left", "right"];

    public static ImageDataset Generate(int count, int seed, string name = "synthetic bars")
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Sample count must be ≥ 1.");
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator((ulong)seed);
        var labels = torch.randint(0, 2, [count], generator: generator);
        var images = torch.rand([count, 1, Size, Size], generator: generator) * 0.3;
        var columns = torch.arange(Size);
        var leftBar = columns.ge(1).logical_and(columns.lt(3));
        var rightBar = columns.ge(5).logical_and(columns.lt(7));
        var bar = torch.where(labels.eq(0).unsqueeze(1), leftBar, rightBar).to_type(ScalarType.Float32);
        images = torch.maximum(images, bar.view(count, 1, 1, Size) * 0.9);
        return new ImageDataset(name, images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), ClassNames);
    }
}
