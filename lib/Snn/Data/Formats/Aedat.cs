using System.Buffers.Binary;
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
    /// AEDAT 3.1 (inivation docs, "AEDAT 3.1 file format"; libcaer events/common.h, polarity.h, special.h):
    /// ASCII header lines starting with '#', the first "#!AER-DAT3.1", the last "#!END-HEADER"; then packets,
    /// each a 28-byte little-endian header (int16 eventType, int16 eventSource, int32 eventSize,
    /// int32 eventTSOffset, int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber, int32 eventValid)
    /// followed by eventCapacity × eventSize bytes, of which the first eventNumber events are used.
    /// Polarity events (type 1, 8 bytes, timestamp at offset 4): uint32 data (bit 0 valid, bit 1 polarity,
    /// bits 2..16 y, bits 17..31 x) and int32 timestamp, extended to 64 bits with eventTSOverflow &lt;&lt; 31.
    /// <para>What is accepted:</para>
    /// <list type="bullet">
    /// <item>Packets of the other libcaer types (0 special, 2 frame, 3/4 IMU, … 13; libcaer reserves 0..99) and
    /// user types (100 and up) are skipped by their declared size. Events with the valid bit cleared are dropped,
    /// as the format says; events past eventNumber (unused capacity) are ignored.</item>
    /// <item>Events are returned in file order, never re-sorted.</item>
    /// </list>
    /// <para>What raises a <see cref="DataFormatException"/> naming the file and byte offset:</para>
    /// <list type="bullet">
    /// <item>a packet header that is inconsistent: a negative field (libcaer forbids them; a negative eventType
    /// has bit 15 set, which cAER uses to flag compressed packets, not RAW AEDAT 3.1), a reserved type 14..99,
    /// eventSize &lt; 1, eventTSOffset outside the event, eventNumber &gt; eventCapacity, eventValid &gt;
    /// eventNumber, a polarity packet whose eventSize is not 8 or eventTSOffset not 4, or a body
    /// (eventSize × eventCapacity) running past the end of the file; a '#Format:' header line other than RAW;</item>
    /// <item>a valid polarity event outside the <paramref name="width"/>×<paramref name="height"/> sensor or
    /// with a negative 32-bit timestamp;</item>
    /// <item>polarity packets from more than one eventSource (this reader returns one sensor's events);</item>
    /// <item>a polarity event whose 64-bit timestamp is smaller than the previous one's: within a source,
    /// AEDAT 3.1 timestamps never decrease, so a decrease is corruption (or a TIMESTAMP_RESET special event, which
    /// the message names when one precedes it) and is reported with both offsets and timestamps rather than
    /// hidden by sorting.</item>
    /// </list>
    /// eventValid is not required to equal the number of valid events: it is redundant with the valid bits,
    /// which decide what is kept.
    /// </summary>
    public static EventStream ReadAedat31(string path, int width = 128, int height = 128)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"AEDAT file not found: {path}", path);
        return DecodeAedat31(File.ReadAllBytes(path), path, width, height);
    }

    /// <summary>Decodes the bytes of an AEDAT 3.1 file as <see cref="ReadAedat31"/> does; <paramref name="name"/> is used in error messages.</summary>
    public static EventStream DecodeAedat31(byte[] bytes, string name, int width = 128, int height = 128)
    {
        var (lines, starts, offset) = Header(bytes, name);
        if (lines.Count == 0 || lines[0].TrimEnd() != "#!AER-DAT3.1")
            throw new DataFormatException($"{name}: bad magic at offset 0: expected the header line '#!AER-DAT3.1', found '{Clip(lines.FirstOrDefault())}'.");
        if (lines[^1].TrimEnd() != "#!END-HEADER")
            throw new DataFormatException($"{name}: header ends at offset {offset} without the '#!END-HEADER' line.");
        var format = lines.FindIndex(l => l.StartsWith("#Format:", StringComparison.Ordinal));
        if (format >= 0 && lines[format]["#Format:".Length..].Trim() != "RAW")
            throw new DataFormatException($"{name}: header line '{Clip(lines[format])}' at offset {starts[format]} announces a packet format other than RAW "
                + "(cAER's compressed formats); this reader decodes RAW AEDAT 3.1 only.");
        var xs = new List<ushort>(); var ys = new List<ushort>(); var ts = new List<long>(); var ps = new List<bool>();
        var span = bytes.AsSpan();
        short? polaritySource = null;
        long lastT = long.MinValue;
        var lastAt = -1;
        var resetAt = -1; // offset of the latest TIMESTAMP_RESET special event, if any
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 28)
                throw new DataFormatException($"{name}: truncated packet header at offset {offset}: {bytes.Length - offset} of 28 bytes.");
            var type = BinaryPrimitives.ReadInt16LittleEndian(span[offset..]);
            var source = BinaryPrimitives.ReadInt16LittleEndian(span[(offset + 2)..]);
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 4)..]);
            var tsOffset = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 8)..]);
            var overflow = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 12)..]);
            var capacity = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 16)..]);
            var number = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 20)..]);
            var valid = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 24)..]);
            if (type < 0)
                throw new DataFormatException($"{name}: packet at offset {offset} has eventType {type} (0x{(ushort)type:X4}, bit 15 set): "
                    + "cAER sets that bit on compressed packets, which RAW AEDAT 3.1 does not hold, and libcaer forbids negative types; "
                    + "the file is compressed or corrupt.");
            if (type is >= 14 and < 100)
                throw new DataFormatException($"{name}: packet at offset {offset} has eventType {type}: "
                    + "libcaer defines types 0..13 and reserves the rest below 100; the packet header is corrupt.");
            if (source < 0 || size < 1 || capacity < 0 || number < 0 || number > capacity || valid < 0 || valid > number
                || overflow < 0 || tsOffset < 0 || tsOffset > size - 4)
                throw new DataFormatException($"{name}: impossible packet header at offset {offset}: type {type}, eventSource {source}, eventSize {size}, "
                    + $"eventTSOffset {tsOffset}, eventTSOverflow {overflow}, eventCapacity {capacity}, eventNumber {number}, eventValid {valid}.");
            var body = (long)capacity * size;
            if (body > bytes.Length - offset - 28)
                throw new DataFormatException($"{name}: truncated packet at offset {offset}: it announces {body} bytes of events ({capacity} × {size}) "
                    + $"but only {bytes.Length - offset - 28} remain.");
            var start = offset + 28;
            if (type == 1)
            {
                if (size != 8 || tsOffset != 4)
                    throw new DataFormatException($"{name}: polarity packet at offset {offset} has eventSize {size} and eventTSOffset {tsOffset}; "
                        + "polarity events are 8 bytes with the timestamp at offset 4.");
                if (polaritySource is { } first && first != source)
                    throw new DataFormatException($"{name}: polarity packet at offset {offset} comes from eventSource {source}, earlier ones from {first}: "
                        + "this reader returns the events of one sensor.");
                polaritySource = source;
                for (var i = 0; i < number; i++)
                {
                    var o = start + 8 * i;
                    var data = BinaryPrimitives.ReadUInt32LittleEndian(span[o..]);
                    if ((data & 1) == 0) continue;
                    var y = (data >> 2) & 0x7FFF;
                    var x = (data >> 17) & 0x7FFF;
                    if (x >= width || y >= height)
                        throw new DataFormatException(
                            $"{name}: polarity event at offset {o} has impossible coordinates ({x}, {y}) for a {width}×{height} sensor.");
                    var t = BinaryPrimitives.ReadInt32LittleEndian(span[(o + 4)..]);
                    if (t < 0) throw new DataFormatException($"{name}: negative timestamp {t} at offset {o + 4}.");
                    var t64 = (long)overflow << 31 | (uint)t;
                    if (t64 < lastT)
                        throw new DataFormatException($"{name}: polarity event at offset {o} has timestamp {t64} µs, before {lastT} µs of the previous "
                            + $"event at offset {lastAt}: AEDAT 3.1 timestamps of one source never decrease"
                            + (resetAt > lastAt ? $" (a TIMESTAMP_RESET special event at offset {resetAt} restarted the clock in between)" : "")
                            + "; events are kept in file order, not re-sorted.");
                    lastT = t64;
                    lastAt = o;
                    xs.Add((ushort)x); ys.Add((ushort)y); ps.Add((data & 2) != 0);
                    ts.Add(t64);
                }
            }
            else if (type == 0 && size >= 4)
            {
                for (var i = 0; i < number; i++)
                {
                    var data = BinaryPrimitives.ReadUInt32LittleEndian(span[(start + size * i)..]);
                    if ((data & 1) != 0 && ((data >> 1) & 0x7F) == 1) resetAt = start + size * i; // TIMESTAMP_RESET
                }
            }
            offset = (int)(start + body);
        }
        return new EventStream(width, height, [.. xs], [.. ys], [.. ts], [.. ps]);
    }

    /// <summary>
    /// jAER AEDAT 2.0 as used by CIFAR10-DVS (Li et al. 2017): header lines starting with '#', the first
    /// "#!AER-DAT2.0"; then big-endian 8-byte events, uint32 address and uint32 timestamp (µs).
    /// Address layout of CIFAR10-DVS's 128×128 sensor, as decoded by SpikingJelly's
    /// cifar10_dvs.load_origin_data and Tonic's CIFAR10DVS (see jackd/events-tfds#1): raw x = bits 1..7,
    /// raw y = bits 8..14, raw polarity = bit 0; the dataset's image frame is x = 127 − raw y,
    /// y = 127 − raw x, ON = (raw polarity == 0).
    /// Special events are skipped, as jAER's DVS128 event extractor (ch.unizh.ini.jaer.chip.retina.DVS128.Extractor)
    /// does: an address with bit 15 (0x8000, CypressFX2DVS128HardwareInterface.SYNC_EVENT_BITMASK: the external-input
    /// "sync" event of the IN pin, documented as bit 15 "External event" of the DVS128 address in inivation's AEDAT docs)
    /// or bit 31 (0x80000000, BasicEvent.SPECIAL_EVENT_BIT_MASK) set is a special event there, with no pixel address;
    /// decoding it would put a spurious event at the pixel its low bits happen to name. Timestamps are kept in
    /// file order.
    /// </summary>
    public static EventStream ReadCifar10Dvs(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"AEDAT file not found: {path}", path);
        return DecodeCifar10Dvs(File.ReadAllBytes(path), path);
    }

    // jAER's DVS128 special-event bits: 0x8000 (external input / sync) and 0x80000000 (special event).
    private const uint Dvs128SpecialEventMask = 0x8000_8000;

    /// <summary>Decodes the bytes of a CIFAR10-DVS file as <see cref="ReadCifar10Dvs"/> does; <paramref name="name"/> is used in error messages.</summary>
    public static EventStream DecodeCifar10Dvs(byte[] bytes, string name)
    {
        var (lines, _, offset) = Header(bytes, name);
        if (lines.Count == 0 || !lines[0].StartsWith("#!AER-DAT2.0", StringComparison.Ordinal))
            throw new DataFormatException($"{name}: bad magic at offset 0: expected the header line '#!AER-DAT2.0', found '{Clip(lines.FirstOrDefault())}'.");
        var rest = bytes.Length - offset;
        if (rest % 8 != 0)
            throw new DataFormatException(
                $"{name}: truncated event at offset {bytes.Length - rest % 8}: {rest} data bytes after the header is not a whole number of 8-byte events.");
        var n = rest / 8;
        var special = 0;
        for (var i = 0; i < n; i++)
            if ((BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 8 * i)) & Dvs128SpecialEventMask) != 0) special++;
        var xs = new ushort[n - special]; var ys = new ushort[n - special]; var ts = new long[n - special]; var ps = new bool[n - special];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            var o = offset + 8 * i;
            var addr = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(o));
            if ((addr & Dvs128SpecialEventMask) != 0) continue;
            var rawX = (addr >> 1) & 0x7F;
            var rawY = (addr >> 8) & 0x7F;
            xs[k] = (ushort)(127 - rawY);
            ys[k] = (ushort)(127 - rawX);
            ps[k] = (addr & 1) == 0;
            ts[k] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(o + 4));
            k++;
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
    private static (List<string> Lines, List<int> Starts, int Offset) Header(byte[] bytes, string name)
    {
        var lines = new List<string>();
        var starts = new List<int>();
        var offset = 0;
        while (offset < bytes.Length && bytes[offset] == (byte)'#')
        {
            starts.Add(offset);
            var end = Array.IndexOf(bytes, (byte)'\n', offset, Math.Min(bytes.Length - offset, MaxHeaderBytes));
            if (end < 0) throw new DataFormatException($"{name}: unterminated header line at offset {offset}.");
            var line = Encoding.ASCII.GetString(bytes, offset, end - offset).TrimEnd('\r');
            lines.Add(line);
            offset = end + 1;
            if (offset > MaxHeaderBytes) throw new DataFormatException($"{name}: header longer than {MaxHeaderBytes} bytes at offset {offset}.");
            if (line == "#!END-HEADER") break;
        }
        return (lines, starts, offset);
    }

    private static string Clip(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "…" : s;
}
