using Snn.Data;
using Snn.Data.Formats;

namespace Snn.Tests;

/// <summary>CIFAR-10 binary batches written to the published record layout: label byte, R, G, B planes.</summary>
public sealed class CifarReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-cifar-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    internal static byte[] Record(byte label, Func<int, int, int, byte> pixel)
    {
        var r = new byte[3073];
        r[0] = label;
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 32; y++)
                for (var x = 0; x < 32; x++)
                    r[1 + c * 1024 + y * 32 + x] = pixel(c, y, x);
        return r;
    }

    private string Write(string name, params byte[][] records)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, records.SelectMany(r => r).ToArray());
        return path;
    }

    [Fact]
    public void Reads_labels_and_planes_in_channel_row_column_order()
    {
        var path = Write("b.bin", Record(7, (c, y, x) => (byte)(c * 100 + y)), Record(2, (c, y, x) => (byte)(x * 5)));
        using var ds = Cifar10.ReadBatch(path);
        Assert.Equal(2, ds.Count);
        Assert.Equal(new long[] { 3, 32, 32 }, ds.SampleShape);
        Assert.Equal(new long[] { 7, 2 }, ds.Labels.data<long>().ToArray());
        Assert.Equal(200 + 31, ds.Images[0, 2, 31, 0].item<float>() * 255, 3);
        Assert.Equal(10, ds.Images[0, 0, 10, 5].item<float>() * 255, 3);
        Assert.Equal(155, ds.Images[1, 1, 0, 31].item<float>() * 255, 3);
    }

    [Fact]
    public void Rejects_truncated_records_and_bad_labels_with_file_and_offset()
    {
        var good = Record(1, (_, _, _) => 0);
        var e = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(Write("t.bin", good, good[..100])));
        Assert.Contains("t.bin", e.Message);
        Assert.Contains("offset 3073", e.Message);
        e = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(Write("l.bin", good, Record(10, (_, _, _) => 0))));
        Assert.Contains("l.bin", e.Message);
        Assert.Contains("offset 3073", e.Message);
        Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(Write("e.bin")));
    }

    [Fact]
    public void Fuzzed_batches_give_a_clear_error_or_exactly_the_surviving_records()
    {
        var rng = new Random(3);
        var valid = Enumerable.Range(0, 4).SelectMany(i => Record((byte)i, (c, y, x) => (byte)(i + c + y + x))).ToArray();
        for (var trial = 0; trial < 60; trial++)
        {
            var bytes = valid[..(rng.Next(2) == 0 ? valid.Length : rng.Next(valid.Length + 1))];
            var flips = new List<int>();
            for (var f = rng.Next(3); f > 0 && bytes.Length > 0; f--) { var at = rng.Next(bytes.Length); flips.Add(at); bytes[at] ^= (byte)(1 << rng.Next(8)); }
            var path = Write($"f{trial}.bin", bytes);
            try
            {
                using var ds = Cifar10.ReadBatch(path);
                Assert.Equal(bytes.Length / 3073, ds.Count);
                Assert.All(ds.Labels.data<long>().ToArray(), l => Assert.InRange(l, 0, 9));
                // Pixels must be the file's bytes: no silent reordering.
                var px = ds.Images.mul(255).round().to_type(TorchSharp.torch.ScalarType.Byte).data<byte>().ToArray();
                for (var r = 0; r < ds.Count; r++) Assert.Equal(bytes.AsSpan(r * 3073 + 1, 3072).ToArray(), px.AsSpan(r * 3072, 3072).ToArray());
            }
            catch (DataFormatException e)
            {
                Assert.Contains(path, e.Message);
                Assert.Contains("offset", e.Message);
            }
        }
    }
}
