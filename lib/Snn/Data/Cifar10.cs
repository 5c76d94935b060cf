using TorchSharp;
using static TorchSharp.torch;
using Snn.Data.Formats;

namespace Snn.Data;

/// <summary>
/// CIFAR-10, binary version (Krizhevsky 2009; https://www.cs.toronto.edu/~kriz/cifar.html):
/// cifar-10-batches-bin/ holds data_batch_1..5.bin and test_batch.bin, each a sequence of 3073-byte
/// records: 1 label byte (0..9), then 1024 red, 1024 green, 1024 blue bytes (32×32 row-major).
/// The format has no magic number, so every record's label byte and the file length are checked.
/// </summary>
public static class Cifar10
{
    public const int RecordBytes = 1 + 3 * 32 * 32;
    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Reads one batch file into images [N, 3, 32, 32] in [0, 1] and labels [N].</summary>
    public static ImageDataset ReadBatch(string path, string? name = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CIFAR-10 batch not found: {path}", path);
        return ReadBatches(name ?? Path.GetFileName(path), [path]);
    }

    /// <summary>Reads and concatenates several batch files (e.g. the five training batches).</summary>
    public static ImageDataset ReadBatches(string name, IReadOnlyList<string> paths)
    {
        var buffers = new List<byte[]>();
        var labels = new List<long>();
        foreach (var path in paths)
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0) throw new DataFormatException($"{path}: empty file at offset 0; a CIFAR-10 batch holds 3073-byte records.");
            if (bytes.Length % RecordBytes != 0)
                throw new DataFormatException($"{path}: truncated record at offset {bytes.Length - bytes.Length % RecordBytes}: "
                    + $"{bytes.Length} bytes is not a whole number of 3073-byte CIFAR-10 records.");
            for (long o = 0; o < bytes.Length; o += RecordBytes)
            {
                if (bytes[o] >= ClassNames.Count)
                    throw new DataFormatException($"{path}: label byte {bytes[o]} at offset {o} (record {o / RecordBytes}) is not a class index 0..9; "
                        + "is this the binary version of CIFAR-10?");
                labels.Add(bytes[o]);
            }
            buffers.Add(bytes);
        }
        var n = labels.Count;
        var pixels = new byte[(long)n * (RecordBytes - 1)];
        long k = 0;
        foreach (var b in buffers)
            for (var o = 0; o < b.Length; o += RecordBytes, k += RecordBytes - 1)
                Array.Copy(b, o + 1, pixels, k, RecordBytes - 1);
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(pixels, [n, 3, 32, 32]).to_type(ScalarType.Float32).div_(255.0);
        var y = torch.tensor(labels.ToArray());
        return new ImageDataset(name, x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), ClassNames);
    }

    /// <summary>The official splits from a cifar-10-batches-bin folder (or its parent).</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null)
    {
        var dir = Locate(folder);
        var train = Enumerable.Range(1, 5).Select(i => Path.Combine(dir, $"data_batch_{i}.bin")).ToList();
        foreach (var f in train.Append(Path.Combine(dir, "test_batch.bin")))
            if (!File.Exists(f)) throw new FileNotFoundException($"{f} is missing: CIFAR-10 needs data_batch_1..5.bin and test_batch.bin in {dir}.", f);
        return (ReadBatches("CIFAR-10 train", train), ReadBatch(Path.Combine(dir, "test_batch.bin"), "CIFAR-10 test"));
    }

    /// <summary>The folder holding the batches (a candidate or its cifar-10-batches-bin/), or a clear error listing where it looked.</summary>
    public static string Locate(string? folder = null) => DatasetRegistry.Cifar10.Require(folder);
}
