using System.Buffers.Binary;
using System.Text;
using Snn.Data;
using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Tests;

/// <summary>AEDAT 3.1 (DVS128 Gesture) and AEDAT 2.0 (CIFAR10-DVS) files written byte by byte to the published layouts.</summary>
public sealed class AedatReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-aedat-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static byte[] Header31 => Encoding.ASCII.GetBytes("#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n");

    // One packet: 28-byte header then capacity × size bytes.
    private static byte[] Packet(short type, int size, int overflow, int capacity, params (uint Data, int T)[] events)
    {
        var p = new byte[28 + capacity * size];
        BinaryPrimitives.WriteInt16LittleEndian(p.AsSpan(0), type);
        BinaryPrimitives.WriteInt16LittleEndian(p.AsSpan(2), 1);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(4), size);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(8), 4);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(12), overflow);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(16), capacity);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(20), events.Length);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(24), events.Count(e => (e.Data & 1) != 0));
        for (var i = 0; i < events.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(28 + size * i), events[i].Data);
            BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(28 + size * i + 4), events[i].T);
        }
        return p;
    }

    private static uint Pol(int x, int y, bool on, bool valid = true) => (uint)(x << 17 | y << 2 | (on ? 2 : 0) | (valid ? 1 : 0));

    internal static byte[] Gesture() =>
    [
        .. Header31,
        .. Packet(1, 8, 0, 3, (Pol(127, 0, true), 100), (Pol(5, 127, false), 200), (Pol(9, 9, true, valid: false), 250)),
        .. Packet(2, 12, 0, 1, (0xFFFF_FFFF, 999)), // a special-event packet: skipped
        .. Packet(1, 8, 1, 2, (Pol(1, 2, false), 7), (Pol(3, 4, true), 1_000)),
    ];

    private string Write(string name, byte[] bytes) { var p = Path.Combine(dir, name); File.WriteAllBytes(p, bytes); return p; }

    [Fact]
    public void Aedat31_reads_polarity_packets_with_validity_and_overflow()
    {
        var ev = Aedat.ReadAedat31(Write("g.aedat", Gesture()));
        Assert.Equal(4, ev.Count);
        Assert.Equal(new ushort[] { 127, 5, 1, 3 }, ev.X);
        Assert.Equal(new ushort[] { 0, 127, 2, 4 }, ev.Y);
        Assert.Equal(new long[] { 100, 200, (1L << 31) + 7, (1L << 31) + 1_000 }, ev.T);
        Assert.Equal(new[] { true, false, false, true }, ev.Polarity);
    }

    [Fact]
    public void Aedat31_rejects_bad_magic_truncation_and_coordinates_with_offsets()
    {
        var good = Gesture();
        var bad = (byte[])good.Clone();
        bad[9] = (byte)'2'; // "#!AER-DAT2.1"
        var e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("m.aedat", bad)));
        Assert.Contains("m.aedat", e.Message);
        Assert.Contains("offset 0", e.Message);
        e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("t.aedat", good[..^3])));
        Assert.Contains("t.aedat", e.Message);
        Assert.Contains("truncated", e.Message);
        var h = Header31.Length;
        var far = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(far.AsSpan(h + 28), Pol(128, 0, true));
        e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("c.aedat", far)));
        Assert.Contains($"offset {h + 28}", e.Message);
        Assert.Contains("(128, 0)", e.Message);
    }

    [Fact]
    public void Gesture_labels_cut_a_recording_into_samples()
    {
        var aedat = Write("user01_led.aedat", Gesture());
        File.WriteAllText(Path.Combine(dir, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\r\n3,100,200\r\n11,150,3000000000\r\n");
        var samples = DvsGesture.ReadRecording(aedat);
        Assert.Equal(2, samples.Count);
        Assert.Equal(2, samples[0].Label);
        Assert.Equal(new long[] { 100 }, samples[0].Events.T); // start ≤ t < end
        Assert.Equal(10, samples[1].Label);
        Assert.Equal(3, samples[1].Events.Count);
        File.WriteAllText(Path.Combine(dir, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n12,100,200\n");
        var e = Assert.Throws<DataFormatException>(() => DvsGesture.ReadRecording(aedat));
        Assert.Contains("line 2", e.Message);
        File.WriteAllText(Path.Combine(dir, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n1,9000000000,9000000001\n");
        Assert.Throws<DataFormatException>(() => DvsGesture.ReadRecording(aedat));
    }

    [Fact]
    public void Cifar10Dvs_decodes_the_published_address_layout()
    {
        // raw x = 5 (bits 1..7), raw y = 100 (bits 8..14), raw polarity 1 → x = 27, y = 122, OFF.
        var bytes = new List<byte>(Encoding.ASCII.GetBytes("#!AER-DAT2.0\r\n# created by jAER\r\n"));
        void Ev(uint addr, uint t) { var b = new byte[8]; BinaryPrimitives.WriteUInt32BigEndian(b, addr); BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), t); bytes.AddRange(b); }
        Ev(100u << 8 | 5u << 1 | 1u, 12);
        Ev(0u, 4_000_000_000);
        var ev = Aedat.ReadCifar10Dvs(Write("cifar10_cat_0.aedat", bytes.ToArray()));
        Assert.Equal(new ushort[] { 27, 127 }, ev.X);
        Assert.Equal(new ushort[] { 122, 127 }, ev.Y);
        Assert.Equal(new[] { false, true }, ev.Polarity);
        Assert.Equal(new long[] { 12, 4_000_000_000 }, ev.T);
        var back = Aedat.DecodeCifar10Dvs(Aedat.EncodeCifar10Dvs(ev), "mem");
        Assert.Equal(ev.X, back.X);
        Assert.Equal(ev.Y, back.Y);
        Assert.Equal(ev.Polarity, back.Polarity);
        var e = Assert.Throws<DataFormatException>(() => Aedat.ReadCifar10Dvs(Write("bad.aedat", bytes.ToArray()[..^1])));
        Assert.Contains("bad.aedat", e.Message);
        Assert.Contains("offset", e.Message);
        Assert.Throws<DataFormatException>(() => Aedat.ReadCifar10Dvs(Write("magic.aedat", Encoding.ASCII.GetBytes("#!AER-DAT3.1\r\n"))));
    }

    [Fact]
    public void Cifar10Dvs_split_is_seeded_9_to_1_per_class()
    {
        foreach (var c in Cifar10Dvs.ClassNames)
        {
            Directory.CreateDirectory(Path.Combine(dir, c));
            for (var i = 0; i < 20; i++) File.WriteAllBytes(Path.Combine(dir, c, $"cifar10_{c}_{i}.aedat"), []);
        }
        var (train, test) = Cifar10Dvs.Split(dir, seed: 4);
        Assert.Equal(180, train.Count);
        Assert.Equal(20, test.Count);
        Assert.Empty(train.Select(s => s.Path).Intersect(test.Select(s => s.Path)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(2, test.Count(s => s.Label == c)));
        Assert.Equal(test, Cifar10Dvs.Split(dir, seed: 4).Test);
        Assert.NotEqual(test, Cifar10Dvs.Split(dir, seed: 5).Test);
    }

    [Fact]
    public void Fuzzed_aedat_files_give_a_clear_error_or_valid_events()
    {
        var rng = new Random(11);
        var packets = Enumerable.Range(0, 5).SelectMany(k => Packet(1, 8, k % 2, 20,
            Enumerable.Range(0, 20).Select(i => (Pol(rng.Next(128), rng.Next(128), rng.Next(2) == 0), k * 1000 + i)).ToArray())).ToArray();
        byte[] gesture = [.. Header31, .. packets];
        var cifar = Aedat.EncodeCifar10Dvs(new EventStream(128, 128, [1, 2, 3], [4, 5, 6], [1, 2, 3], [true, false, true]));
        // The work is bounded by the number of trials, not by the clock (a timing assertion fails on a busy machine).
        for (var trial = 0; trial < 400; trial++)
        {
            var g = trial % 2 == 0;
            var src = g ? gesture : cifar;
            var bytes = src[..(rng.Next(3) == 0 ? src.Length : rng.Next(src.Length + 1))];
            for (var f = rng.Next(4); f > 0 && bytes.Length > 0; f--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            try
            {
                var ev = g ? Aedat.DecodeAedat31(bytes, "fuzz") : Aedat.DecodeCifar10Dvs(bytes, "fuzz");
                Assert.All(ev.X, x => Assert.InRange(x, 0, 127));
                Assert.All(ev.Y, y => Assert.InRange(y, 0, 127));
                Assert.True(ev.Count <= bytes.Length / 8);
            }
            catch (DataFormatException e)
            {
                Assert.Contains("fuzz", e.Message);
                Assert.Contains("offset", e.Message);
            }
        }
    }

    [Fact]
    public void Gesture_and_cifar10dvs_folders_load_as_binned_datasets()
    {
        var gestures = Directory.CreateDirectory(Path.Combine(dir, "DvsGesture")).FullName;
        File.WriteAllBytes(Path.Combine(gestures, "user01_led.aedat"), Gesture());
        File.WriteAllText(Path.Combine(gestures, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n3,100,201\n5,201,3000000000\n");
        File.WriteAllText(Path.Combine(gestures, "trials_to_train.txt"), "user01_led.aedat\n");
        using var g = EventDataset.FromDvsGesture(gestures, train: true, Binning.TimeBins(2), Path.Combine(dir, "cache"));
        Assert.Equal(new long[] { 2, 2, 2, 128, 128 }, g.Frames.shape);
        Assert.Equal(new long[] { 2, 4 }, g.Labels.data<long>().ToArray());
        Assert.Equal(2f, g.Frames[0].sum().item<float>()); // t = 100, 200
        Assert.Equal(2f, g.Frames[1].sum().item<float>()); // the two events after the overflow

        var cifar = Directory.CreateDirectory(Path.Combine(dir, "CIFAR10-DVS")).FullName;
        var stream = new EventStream(128, 128, [1, 2], [3, 4], [10, 20], [true, false]);
        foreach (var c in Cifar10Dvs.ClassNames)
        {
            Directory.CreateDirectory(Path.Combine(cifar, c));
            for (var i = 0; i < 10; i++) File.WriteAllBytes(Path.Combine(cifar, c, $"cifar10_{c}_{i}.aedat"), Aedat.EncodeCifar10Dvs(stream));
        }
        using var train = EventDataset.FromCifar10Dvs(cifar, train: true, Binning.TimeBins(1), seed: 3);
        using var test = EventDataset.FromCifar10Dvs(cifar, train: false, Binning.TimeBins(1), seed: 3);
        Assert.Equal(90, train.Count);
        Assert.Equal(10, test.Count);
        Assert.Equal(1f, train.Frames[0, 0, 1, 3, 1].item<float>()); // ON event at (1, 3)
    }

    // Packet offsets in Gesture(): polarity (52 bytes), frame (40 bytes), polarity (44 bytes).
    private static readonly int[] GesturePackets = [0, 52, 92];

    [Theory]
    [InlineData(1, 4, 0, "impossible packet header")]            // eventSize 0
    [InlineData(1, 4, -12, "impossible packet header")]          // negative eventSize
    [InlineData(1, 16, 1000, "truncated packet")]                // eventCapacity × eventSize beyond the file
    [InlineData(1, 16, 0x4000_0000, "truncated packet")]         // eventCapacity × eventSize beyond 2^31
    [InlineData(1, 20, 2, "impossible packet header")]           // eventNumber > eventCapacity
    [InlineData(1, 8, 9, "impossible packet header")]            // eventTSOffset past the last 4 bytes of the event
    [InlineData(1, 8, -1, "impossible packet header")]           // negative eventTSOffset
    [InlineData(1, 12, -1, "impossible packet header")]          // negative eventTSOverflow
    [InlineData(0, 24, 4, "impossible packet header")]           // eventValid > eventNumber
    [InlineData(0, 8, 0, "polarity packet")]           // polarity timestamp not at offset 4
    [InlineData(0, 4, 12, "polarity packet")]          // polarity eventSize not 8
    public void Aedat31_rejects_inconsistent_packet_headers_with_their_offset(int packet, int field, int value, string expected)
    {
        var bytes = Gesture();
        var at = Header31.Length + GesturePackets[packet];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + field), value);
        var e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("h.aedat", bytes)));
        Assert.Contains("h.aedat", e.Message);
        Assert.Contains($"{expected} at offset {at}", e.Message);
    }

    [Theory]
    [InlineData(0, 0, 0x8001, "bit 15")]                    // cAER's compressed-packet flag: not RAW AEDAT 3.1
    [InlineData(1, 0, -1, "bit 15")]
    [InlineData(1, 0, 14, "reserves")]                      // libcaer reserves types 14..99
    [InlineData(1, 0, 99, "reserves")]
    [InlineData(2, 2, -1, "impossible packet header")]      // eventSource -1
    public void Aedat31_rejects_invalid_event_types_and_sources_instead_of_skipping_them(int packet, int field, int value, string expected)
    {
        var bytes = Gesture();
        var at = Header31.Length + GesturePackets[packet];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + field), unchecked((ushort)value));
        var e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("type.aedat", bytes)));
        Assert.Contains("type.aedat", e.Message);
        Assert.Contains($"at offset {at}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Aedat31_skips_packets_of_other_known_and_user_types_by_their_declared_size()
    {
        byte[] bytes =
        [
            .. Header31,
            .. Packet(0, 8, 0, 2, (0u << 1 | 1, 1), (2u << 1 | 1, 2)),  // special: TIMESTAMP_WRAP, EXTERNAL_INPUT_RISING_EDGE
            .. Packet(1, 8, 0, 1, (Pol(1, 2, true), 10)),
            .. Packet(3, 36, 0, 2, (1, 11), (1, 12)),                  // IMU6 events are 36 bytes
            .. Packet(13, 80, 0, 1, (1, 13)),                          // 4×4 matrix
            .. Packet(100, 9, 0, 3, (1, 14)),                          // a user type of odd size, capacity > number
            .. Packet(1, 8, 0, 2, (Pol(3, 4, false), 20), (Pol(5, 6, true), 30)),
        ];
        var ev = Aedat.DecodeAedat31(bytes, "skip");
        Assert.Equal(new ushort[] { 1, 3, 5 }, ev.X);
        Assert.Equal(new long[] { 10, 20, 30 }, ev.T);
    }

    [Fact]
    public void Aedat31_keeps_file_order_and_reports_a_decreasing_timestamp_with_both_offsets()
    {
        var h = Header31.Length;
        // Equal timestamps are monotonic; an invalid event (valid bit 0) is dropped, whatever its timestamp.
        var ev = Aedat.DecodeAedat31([.. Header31, .. Packet(1, 8, 0, 3, (Pol(1, 1, true), 100), (Pol(2, 2, true, valid: false), 50), (Pol(3, 3, false), 100))], "eq");
        Assert.Equal(new ushort[] { 1, 3 }, ev.X);
        Assert.Equal(new long[] { 100, 100 }, ev.T);

        var e = Assert.Throws<DataFormatException>(() => Aedat.ReadAedat31(Write("order.aedat",
            [.. Header31, .. Packet(1, 8, 0, 2, (Pol(1, 1, true), 200), (Pol(2, 2, true), 100))])));
        Assert.Contains("order.aedat", e.Message);
        Assert.Contains($"polarity event at offset {h + 36} has timestamp 100 µs, before 200 µs of the previous event at offset {h + 28}", e.Message);
        Assert.Contains("not re-sorted", e.Message);

        // Across packets: eventTSOverflow 1 then 0 goes back 2^31 µs.
        e = Assert.Throws<DataFormatException>(() => Aedat.DecodeAedat31(
            [.. Header31, .. Packet(1, 8, 1, 1, (Pol(1, 1, true), 5)), .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 10))], "overflow"));
        Assert.Contains($"offset {h + 36 + 28} has timestamp 10 µs, before {(1L << 31) + 5} µs", e.Message);

        // A TIMESTAMP_RESET special event in between is named as the likely cause.
        e = Assert.Throws<DataFormatException>(() => Aedat.DecodeAedat31(
            [.. Header31, .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 500)), .. Packet(0, 8, 0, 1, (1u << 1 | 1, 0)), .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 10))], "reset"));
        Assert.Contains($"TIMESTAMP_RESET special event at offset {h + 36 + 28}", e.Message);
    }

    [Fact]
    public void Aedat31_rejects_polarity_events_from_two_sources_and_non_raw_formats()
    {
        byte[] bytes = [.. Header31, .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 5)), .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 10))];
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(Header31.Length + 36 + 2), 2);
        var e = Assert.Throws<DataFormatException>(() => Aedat.DecodeAedat31(bytes, "sources"));
        Assert.Contains($"offset {Header31.Length + 36} comes from eventSource 2, earlier ones from 1", e.Message);

        byte[] compressed = [.. Encoding.ASCII.GetBytes("#!AER-DAT3.1\r\n#Format: SerializedTS\r\n#!END-HEADER\r\n"), .. Packet(1, 8, 0, 1, (Pol(1, 1, true), 5))];
        e = Assert.Throws<DataFormatException>(() => Aedat.DecodeAedat31(compressed, "format"));
        Assert.Contains("'#Format: SerializedTS' at offset 14", e.Message);
    }

    [Fact]
    public void Fuzzed_valid_aedat31_files_give_a_clear_error_or_events_in_file_order()
    {
        var rng = new Random(12);
        var expected = new List<long>();
        var packets = new List<byte>();
        for (var k = 0; k < 5; k++)
        {
            var events = Enumerable.Range(0, 20).Select(i => (Pol(rng.Next(128), rng.Next(128), rng.Next(2) == 0), k % 3 * 1000 + i * 7)).ToArray();
            packets.AddRange(Packet(1, 8, k / 3, 20, events));
            expected.AddRange(events.Select(ev => ((long)(k / 3) << 31) + ev.Item2));
            if (k == 2) packets.AddRange(Packet(0, 8, 0, 2, (1, 1), (1, 2)));
        }
        byte[] valid = [.. Header31, .. packets];
        Assert.Equal(expected, Aedat.DecodeAedat31(valid, "fuzz").T);
        var failures = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var bytes = valid[..(rng.Next(3) == 0 ? valid.Length : rng.Next(valid.Length + 1))];
            for (var f = rng.Next(4); f > 0 && bytes.Length > 0; f--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            try
            {
                var ev = Aedat.DecodeAedat31(bytes, "fuzz");
                Assert.All(ev.X, x => Assert.InRange(x, 0, 127));
                Assert.All(ev.Y, y => Assert.InRange(y, 0, 127));
                Assert.True(ev.T.Zip(ev.T.Skip(1)).All(p => p.First <= p.Second), "timestamps out of order");
            }
            catch (DataFormatException e)
            {
                failures++;
                Assert.Contains("fuzz", e.Message);
                Assert.Contains("offset", e.Message);
            }
        }
        Assert.InRange(failures, 1, 399);
    }

    [Fact]
    public void Cifar10Dvs_skips_jaer_special_events_bit_15_and_bit_31()
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes("#!AER-DAT2.0\r\n"));
        void Ev(uint addr, uint t) { var b = new byte[8]; BinaryPrimitives.WriteUInt32BigEndian(b, addr); BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), t); bytes.AddRange(b); }
        Ev(100u << 8 | 5u << 1 | 1u, 12);   // x = 27, y = 122, OFF
        Ev(0x8000u | 3u << 8 | 2u << 1, 13); // external input (sync) event: bit 15
        Ev(0x8000_0000u | 7u << 1, 14);      // jAER special event: bit 31
        Ev(0u, 15);                           // x = 127, y = 127, ON
        var ev = Aedat.DecodeCifar10Dvs([.. bytes], "sync");
        Assert.Equal(new ushort[] { 27, 127 }, ev.X);
        Assert.Equal(new ushort[] { 122, 127 }, ev.Y);
        Assert.Equal(new[] { false, true }, ev.Polarity);
        Assert.Equal(new long[] { 12, 15 }, ev.T);
    }
}
