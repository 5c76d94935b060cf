using TorchSharp;
using static TorchSharp.torch;
using Snn.Data.Formats;
using Snn.Encoders;

namespace Snn.Data;

/// <summary>
/// Labelled images held in memory: <see cref="Images"/> [N, C, H, W] float32 in [0, 1],
/// <see cref="Labels"/> [N] int64. Owns its tensors (outside any dispose scope).
/// </summary>
public sealed class ImageDataset : IDisposable
{
    public ImageDataset(string name, Tensor images, Tensor labels, IReadOnlyList<string> classNames)
    {
        if (images.dim() != 4) throw new ArgumentException($"{name}: images must be [N, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{name}: {images.shape[0]} images but labels of shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        Name = name;
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassNames = classNames;
    }

    public string Name { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => (int)Images.shape[0];
    /// <summary>Per-sample shape [C, H, W].</summary>
    public long[] SampleShape => Images.shape[1..];

    /// <summary>
    /// Reads an IDX image file (N×H×W uint8) and its IDX label file (N uint8), checking that they agree.
    /// </summary>
    public static ImageDataset FromIdx(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        var images = Idx.Read(imagesPath);
        if (images.DataType != IdxDataType.UInt8 || images.Shape.Length != 3)
            throw new DataFormatException(
                $"{imagesPath}: expected uint8 images of shape [N, H, W]; got {images.DataType} [{string.Join(", ", images.Shape)}].");
        var labels = Idx.Read(labelsPath);
        if (labels.DataType != IdxDataType.UInt8 || labels.Shape.Length != 1)
            throw new DataFormatException($"{labelsPath}: expected uint8 labels of shape [N]; got {labels.DataType} [{string.Join(", ", labels.Shape)}].");
        if (labels.Shape[0] != images.Shape[0])
            throw new DataFormatException($"{labelsPath}: {labels.Shape[0]} labels for {images.Shape[0]} images in {imagesPath}.");
        var labelBytes = (byte[])labels.Values;
        var bad = Array.FindIndex(labelBytes, l => l >= classNames.Count);
        if (bad >= 0)
            throw new DataFormatException($"{labelsPath}: label {labelBytes[bad]} at offset {8 + bad} is not a class index below {classNames.Count}.");

        using var scope = torch.NewDisposeScope();
        var x = images.ToTensor().to_type(ScalarType.Float32).div_(255.0).unsqueeze(1);
        var y = labels.ToTensor().to_type(ScalarType.Int64);
        return new ImageDataset(name, x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), classNames);
    }

    /// <summary>
    /// <paramref name="count"/> samples drawn without replacement by a seeded shuffle; this dataset
    /// itself (no copy) when count ≥ N.
    /// </summary>
    public ImageDataset Subset(int count, int seed)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Subset size must be ≥ 1.");
        if (count >= Count) return this;
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(SampleOrder.Of(Count, shuffle: true, seed)[..count]);
        return new ImageDataset($"{Name}[{count}]", Images.index_select(0, index).MoveToOuterDisposeScope(),
            Labels.index_select(0, index).MoveToOuterDisposeScope(), ClassNames);
    }

    /// <summary>
    /// Mini-batches (images, labels) in seeded random order, or in file order without shuffling.
    /// Tensors are created in the caller's dispose scope. For training, see <see cref="Encoded"/>. The last batch may be smaller.
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(int batchSize, bool shuffle = false, int seed = 0, Device? device = null)
    {
        SampleOrder.CheckBatchSize(batchSize);
        var order = shuffle ? SampleOrder.Of(Count, shuffle, seed) : null;
        for (var start = 0; start < Count; start += batchSize)
        {
            var size = Math.Min(batchSize, Count - start);
            Tensor x, y;
            if (order is null)
            {
                x = Images.narrow(0, start, size);
                y = Labels.narrow(0, start, size);
            }
            else
            {
                using var index = torch.tensor(order.AsSpan(start, size).ToArray());
                x = Images.index_select(0, index);
                y = Labels.index_select(0, index);
            }
            if (device is not null)
            {
                var (xd, yd) = (x.to(device), y.to(device));
                if (!ReferenceEquals(xd, x)) x.Dispose();
                if (!ReferenceEquals(yd, y)) y.Dispose();
                (x, y) = (xd, yd);
            }
            yield return (x, y);
        }
    }

    public int BatchCount(int batchSize) => (Count + batchSize - 1) / batchSize;

    /// <summary>This dataset as a batch source through <paramref name="encoder"/> (direct encoding when null).</summary>
    public EncodedImages Encoded(IEncoder? encoder = null) => new(this, encoder ?? new DirectEncoder());

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    public override string ToString() => $"{Name}: {Count} images of {string.Join("×", SampleShape)}, {ClassNames.Count} classes";
}
