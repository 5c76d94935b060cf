using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Tests;

/// <summary>N-MNIST .bin files written byte by byte to the published 5-byte layout (Orchard et al. 2015).</summary>
public sealed class NmnistReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-nmnist-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    // Three events: (3, 4) ON at t = 0x01_0203; (33, 0) OFF at t = 0x7F_FFFF; overflow marker;
    // (0, 33) ON with stored t = 5 → 5 + 2^13 after the marker.
    private static readonly byte[] File3 =
    [
        3, 4, 0x80 | 0x01, 0x02, 0x03,
        33, 0, 0x7F, 0xFF, 0xFF,
        0, 240, 0, 0, 0,
        0, 33, 0x80, 0x00, 0x05,
    ];

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Reads_events_bit_by_bit_with_the_overflow_rule()
    {
        var ev = NMnist.Read(Write("a.bin", File3));
        Assert.Equal(3, ev.Count);
        Assert.Equal(34, ev.Width);
        Assert.Equal(new ushort[] { 3, 33, 0 }, ev.X);
        Assert.Equal(new ushort[] { 4, 0, 33 }, ev.Y);
        Assert.Equal(new long[] { 0x010203, 0x7FFFFF, 5 + 8192 }, ev.T);
        Assert.Equal(new[] { true, false, true }, ev.Polarity);
    }

    [Fact]
    public void Rejects_truncated_files_and_impossible_coordinates_naming_file_and_offset()
    {
        var e = Assert.Throws<DataFormatException>(() => NMnist.Read(Write("t.bin", File3[..13])));
        Assert.Contains("t.bin", e.Message);
        Assert.Contains("offset 10", e.Message);
        var bad = (byte[])File3.Clone();
        bad[5] = 34; // x of event 1
        e = Assert.Throws<DataFormatException>(() => NMnist.Read(Write("x.bin", bad)));
        Assert.Contains("x.bin", e.Message);
        Assert.Contains("offset 5", e.Message);
        Assert.Contains("(34, 0)", e.Message);
    }

    [Fact]
    public void Encode_round_trips_including_timestamps_past_23_bits()
    {
        var t = new long[] { 0, 10, 8_388_607, 8_388_608, 9_000_000, 20_000_000 };
        var ev = new EventStream(34, 34, [1, 2, 3, 4, 5, 33], [0, 1, 2, 3, 33, 7], t, [true, false, true, true, false, false]);
        var bytes = NMnist.Encode(ev);
        Assert.True(bytes.Length > 6 * 5, "timestamps past 2^23 need overflow markers");
        var back = NMnist.Decode(bytes, "mem");
        Assert.Equal(ev.X, back.X);
        Assert.Equal(ev.Y, back.Y);
        Assert.Equal(ev.T, back.T);
        Assert.Equal(ev.Polarity, back.Polarity);
    }

    [Fact]
    public void Fuzzed_files_give_a_clear_error_or_valid_events()
    {
        var rng = new Random(5);
        var ev = new EventStream(34, 34,
            Enumerable.Range(0, 200).Select(i => (ushort)rng.Next(34)).ToArray(),
            Enumerable.Range(0, 200).Select(i => (ushort)rng.Next(34)).ToArray(),
            Enumerable.Range(0, 200).Select(i => (long)i * 50_000).ToArray(),
            Enumerable.Range(0, 200).Select(i => rng.Next(2) == 0).ToArray());
        var valid = NMnist.Encode(ev);
        // The work is bounded by the number of trials, not by the clock (a timing assertion fails on a busy machine).
        for (var trial = 0; trial < 500; trial++)
        {
            var bytes = valid[..rng.Next(valid.Length + 1)];
            for (var f = rng.Next(4); f > 0 && bytes.Length > 0; f--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            try
            {
                var back = NMnist.Decode(bytes, "fuzz");
                Assert.Equal(0, bytes.Length % 5);
                Assert.All(back.X, x => Assert.InRange(x, 0, 33));
                Assert.All(back.Y, y => Assert.InRange(y, 0, 33));
                Assert.True(back.Count <= bytes.Length / 5);
            }
            catch (DataFormatException e)
            {
                Assert.Contains("fuzz", e.Message);
                Assert.Contains("offset", e.Message);
            }
        }
    }

    [Fact]
    public void Lists_a_split_folder_by_class_and_rejects_bad_class_folders()
    {
        var train = Path.Combine(dir, "Train");
        Directory.CreateDirectory(Path.Combine(train, "3"));
        Directory.CreateDirectory(Path.Combine(train, "0"));
        File.WriteAllBytes(Path.Combine(train, "3", "00002.bin"), File3);
        File.WriteAllBytes(Path.Combine(train, "0", "00001.bin"), File3);
        var list = NMnist.ListSplit(train);
        Assert.Equal([0, 3], list.Select(s => s.Label));
        Directory.CreateDirectory(Path.Combine(train, "cat"));
        Assert.Throws<DataFormatException>(() => NMnist.ListSplit(train));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_truncated_last_record_of_any_length_is_rejected_at_its_offset(int extra)
    {
        var path = Write($"cut{extra}.bin", [.. File3, .. new byte[] { 1, 2, 3, 4 }[..extra]]);
        var e = Assert.Throws<DataFormatException>(() => NMnist.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated at offset 20", e.Message);
        Assert.Contains($"last event has {extra} bytes", e.Message);
    }

    [Theory]
    [InlineData(255, 0)]
    [InlineData(34, 5)]
    [InlineData(0, 34)]
    [InlineData(0, 239)]
    [InlineData(0, 241)]
    [InlineData(0, 255)]
    public void Coordinates_outside_the_34x34_sensor_are_rejected_but_y_240_is_the_overflow_marker(int x, int y)
    {
        var bytes = (byte[])File3.Clone();
        bytes[15] = (byte)x; bytes[16] = (byte)y; // the last event
        var e = Assert.Throws<DataFormatException>(() => NMnist.Decode(bytes, "coords.bin"));
        Assert.Contains("coords.bin: event 3 at offset 15", e.Message);
        Assert.Contains($"({x}, {y})", e.Message);
        bytes[16] = NMnist.OverflowMarkerY; // the same record as an overflow marker: not an event
        var ev = NMnist.Decode(bytes, "marker.bin");
        Assert.Equal(2, ev.Count);
    }
}
