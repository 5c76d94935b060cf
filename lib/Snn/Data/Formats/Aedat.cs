using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Snn.Data.Events;

namespace Snn.Data.Formats;

/// <summary>
/// Readers for the jAER/cAER AEDAT formats used by DVS128 Gesture (AEDAT 3.1) and CIFAR10-DVS (AEDAT 2.0).
/// </summary>
public static class Aedat
{
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>
    /// AEDAT 3.1 (inivation docs, "AEDAT 3.1 file format"): ASCII header lines starting with '#', the
    /// first "#!AER-DAT3.1", the last "#!END-HEADER"; then packets, each a 28-byte little-endian header
    /// (int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset, int32 eventTSOverflow,
    /// int32 eventCapacity, int32 eventNumber, int32 eventValid) followed by eventCapacity × eventSize bytes.
    /// Polarity events (type 1, 8 bytes): int32 data (bit 0 valid, bit 1 polarity, bits 2..16 y,
    /// bits 17..31 x) and int32 timestamp, extended to 64 bits with eventTSOverflow &lt;&lt; 31.
    /// Other packet types are skipped; events with the valid bit cleared are dropped.
    /// </summary>
    public static EventStream ReadAedat31(string path, int width = 128, int height = 128)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"AEDAT file not found: {path}", path);
        return DecodeAedat31(File.ReadAllBytes(path), path, width, height);
    }

    public static EventStream DecodeAedat31(byte[] bytes, string name, int width = 128, int height = 128)
    {
        var (lines, offset) = Header(bytes, name);
        if (lines.Count == 0 || lines[0].TrimEnd() != "#!AER-DAT3.1")
            throw new DataFormatException($"{name}: bad magic at offset 0: expected the header line '#!AER-DAT3.1', found '{Clip(lines.FirstOrDefault())}'.");
        if (lines[^1].TrimEnd() != "#!END-HEADER")
            throw new DataFormatException($"{name}: header ends at offset {offset} without the '#!END-HEADER' line.");
        var xs = new List<ushort>(); var ys = new List<ushort>(); var ts = new List<long>(); var ps = new List<bool>();
        var span = bytes.AsSpan();
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 28)
                throw new DataFormatException($"{name}: truncated packet header at offset {offset}: {bytes.Length - offset} of 28 bytes.");
            var type = BinaryPrimitives.ReadInt16LittleEndian(span[offset..]);
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 4)..]);
            var tsOffset = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 8)..]);
            var overflow = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 12)..]);
            var capacity = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 16)..]);
            var number = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 20)..]);
            var valid = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 24)..]);
            if (size < 1 || capacity < 0 || number < 0 || number > capacity || valid < 0 || valid > number || overflow < 0 || tsOffset < 0 || tsOffset > size - 4)
                throw new DataFormatException($"{name}: impossible packet header at offset {offset}: type {type}, eventSize {size}, eventTSOffset {tsOffset}, eventTSOverflow {overflow}, capacity {capacity}, number {number}, valid {valid}.");
            var body = (long)capacity * size;
            if (body > bytes.Length - offset - 28)
                throw new DataFormatException($"{name}: truncated packet at offset {offset}: it announces {body} bytes of events but only {bytes.Length - offset - 28} remain.");
            var start = offset + 28;
            if (type == 1)
            {
                if (size != 8) throw new DataFormatException($"{name}: polarity packet at offset {offset} has eventSize {size}; polarity events are 8 bytes.");
                for (var i = 0; i < number; i++)
                {
                    var o = start + 8 * i;
                    var data = BinaryPrimitives.ReadUInt32LittleEndian(span[o..]);
                    if ((data & 1) == 0) continue;
                    var y = (data >> 2) & 0x7FFF;
                    var x = (data >> 17) & 0x7FFF;
                    if (x >= width || y >= height)
                        throw new DataFormatException($"{name}: polarity event at offset {o} has impossible coordinates ({x}, {y}) for a {width}×{height} sensor.");
                    var t = BinaryPrimitives.ReadInt32LittleEndian(span[(o + tsOffset)..]);
                    if (t < 0) throw new DataFormatException($"{name}: negative timestamp {t} at offset {o + tsOffset}.");
                    xs.Add((ushort)x); ys.Add((ushort)y); ps.Add((data & 2) != 0);
                    ts.Add((long)overflow << 31 | (uint)t);
                }
            }
            offset = (int)(start + body);
        }
        return Sorted(width, height, xs, ys, ts, ps);
    }

    /// <summary>
    /// jAER AEDAT 2.0 as used by CIFAR10-DVS (Li et al. 2017): header lines starting with '#', the first
    /// "#!AER-DAT2.0"; then big-endian 8-byte events, uint32 address and uint32 timestamp (µs).
    /// Address layout of CIFAR10-DVS's 128×128 sensor, as decoded by SpikingJelly's
    /// cifar10_dvs.load_origin_data and Tonic's CIFAR10DVS (see jackd/events-tfds#1): raw x = bits 1..7,
    /// raw y = bits 8..14, raw polarity = bit 0; the dataset's image frame is x = 127 − raw y,
    /// y = 127 − raw x, ON = (raw polarity == 0).
    /// </summary>
    public static EventStream ReadCifar10Dvs(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"AEDAT file not found: {path}", path);
        return DecodeCifar10Dvs(File.ReadAllBytes(path), path);
    }

    public static EventStream DecodeCifar10Dvs(byte[] bytes, string name)
    {
        var (lines, offset) = Header(bytes, name);
        if (lines.Count == 0 || !lines[0].StartsWith("#!AER-DAT2.0", StringComparison.Ordinal))
            throw new DataFormatException($"{name}: bad magic at offset 0: expected the header line '#!AER-DAT2.0', found '{Clip(lines.FirstOrDefault())}'.");
        var rest = bytes.Length - offset;
        if (rest % 8 != 0)
            throw new DataFormatException($"{name}: truncated event at offset {bytes.Length - rest % 8}: {rest} data bytes after the header is not a whole number of 8-byte events.");
        var n = rest / 8;
        var xs = new ushort[n]; var ys = new ushort[n]; var ts = new long[n]; var ps = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var o = offset + 8 * i;
            var addr = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(o));
            var rawX = (addr >> 1) & 0x7F;
            var rawY = (addr >> 8) & 0x7F;
            xs[i] = (ushort)(127 - rawY);
            ys[i] = (ushort)(127 - rawX);
            ps[i] = (addr & 1) == 0;
            ts[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(o + 4));
        }
        return new EventStream(128, 128, xs, ys, ts, ps, requireSorted: false);
    }

    /// <summary>Encodes events in CIFAR10-DVS's AEDAT 2.0 layout (inverse of <see cref="DecodeCifar10Dvs"/>); for tests and tools.</summary>
    public static byte[] EncodeCifar10Dvs(EventStream e)
    {
        var header = Encoding.ASCII.GetBytes("#!AER-DAT2.0\r\n# This is a raw AE data file created by Snn.Data\r\n");
        var bytes = new byte[header.Length + 8 * e.Count];
        header.CopyTo(bytes, 0);
        for (var i = 0; i < e.Count; i++)
        {
            uint rawX = (uint)(127 - e.Y[i]), rawY = (uint)(127 - e.X[i]);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(header.Length + 8 * i), rawY << 8 | rawX << 1 | (e.Polarity[i] ? 0u : 1u));
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(header.Length + 8 * i + 4), checked((uint)e.T[i]));
        }
        return bytes;
    }

    // Header lines: every line (up to '\n') that starts with '#'. AEDAT 3.1 stops after #!END-HEADER.
    private static (List<string> Lines, int Offset) Header(byte[] bytes, string name)
    {
        var lines = new List<string>();
        var offset = 0;
        while (offset < bytes.Length && bytes[offset] == (byte)'#')
        {
            var end = Array.IndexOf(bytes, (byte)'\n', offset, Math.Min(bytes.Length - offset, MaxHeaderBytes));
            if (end < 0) throw new DataFormatException($"{name}: unterminated header line at offset {offset}.");
            var line = Encoding.ASCII.GetString(bytes, offset, end - offset).TrimEnd('\r');
            lines.Add(line);
            offset = end + 1;
            if (offset > MaxHeaderBytes) throw new DataFormatException($"{name}: header longer than {MaxHeaderBytes} bytes at offset {offset}.");
            if (line == "#!END-HEADER") break;
        }
        return (lines, offset);
    }

    private static string Clip(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "…" : s;

    private static EventStream Sorted(int w, int h, List<ushort> xs, List<ushort> ys, List<long> ts, List<bool> ps)
    {
        var order = Enumerable.Range(0, ts.Count).ToArray();
        var keys = ts.ToArray();
        if (!keys.Zip(keys.Skip(1)).All(p => p.First <= p.Second)) order = order.OrderBy(i => keys[i]).ToArray(); // stable
        return new EventStream(w, h, order.Select(i => xs[i]).ToArray(), order.Select(i => ys[i]).ToArray(),
            order.Select(i => ts[i]).ToArray(), order.Select(i => ps[i]).ToArray());
    }
}
