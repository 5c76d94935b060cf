using Snn.Data.Events;
namespace Snn.Data.Formats;

/// <summary>
/// The N-MNIST binary event format (Orchard et al. 2015, "Converting static image datasets to spiking
/// neuromorphic datasets using saccades"; loader Read_Ndataset.m, mirrored by Tonic's read_mnist_file).
/// Each event is 5 bytes: byte0 x, byte1 y, byte2 bit 7 polarity (1 = ON) and bits 6..0 = timestamp
/// bits 22..16, bytes 3-4 timestamp bits 15..0 (big-endian), in microseconds.
/// Overflow rule (as in the reference loaders): an event whose y byte is 240 is a marker, not an event;
/// it adds 2^13 µs to its own and every later timestamp and is dropped from the output.
/// Sensor 34×34 (28×28 digits plus saccade margin). Folder layout: Train|Test/&lt;class digit&gt;/*.bin.
/// </summary>
public static class NMnist
{
    public const int SensorSize = 34;
    public const int EventBytes = 5;
    public const byte OverflowMarkerY = 240;
    public const long OverflowIncrement = 1 << 13;
    public const long MaxStoredTimestamp = (1 << 23) - 1;

    /// <summary>Reads one .bin file; rejects truncated events and coordinates outside the sensor.</summary>
    public static EventStream Read(string path, int width = SensorSize, int height = SensorSize)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"N-MNIST file not found: {path}", path);
        return Decode(File.ReadAllBytes(path), path, width, height);
    }

    /// <summary>Decodes the bytes of one .bin file; <paramref name="name"/> is used in error messages.</summary>
    public static EventStream Decode(ReadOnlySpan<byte> bytes, string name, int width = SensorSize, int height = SensorSize)
    {
        if (bytes.Length % EventBytes != 0)
            throw new DataFormatException($"{name}: truncated at offset {bytes.Length - bytes.Length % EventBytes}: {bytes.Length} bytes is not a whole number "
                + $"of 5-byte N-MNIST events (last event has {bytes.Length % EventBytes} bytes).");
        var n = bytes.Length / EventBytes;
        var markers = 0;
        for (var i = 0; i < n; i++) if (bytes[i * EventBytes + 1] == OverflowMarkerY) markers++;
        var count = n - markers;
        var xs = new ushort[count]; var ys = new ushort[count]; var ts = new long[count]; var ps = new bool[count];
        long offsetTime = 0;
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            var o = i * EventBytes;
            byte x = bytes[o], y = bytes[o + 1], b2 = bytes[o + 2];
            if (y == OverflowMarkerY) { offsetTime += OverflowIncrement; continue; }
            if (x >= width || y >= height)
                throw new DataFormatException($"{name}: event {i} at offset {o} has impossible coordinates ({x}, {y}) for a {width}×{height} sensor.");
            xs[k] = x; ys[k] = y; ps[k] = (b2 & 0x80) != 0;
            ts[k] = ((long)(b2 & 0x7F) << 16 | (long)bytes[o + 3] << 8 | bytes[o + 4]) + offsetTime;
            k++;
        }
        // Recorded files are in time order, but the format does not promise it: keep file order.
        return new EventStream(width, height, xs, ys, ts, ps, requireSorted: false);
    }

    /// <summary>
    /// Encodes a stream in the N-MNIST format. Timestamps beyond 23 bits are written with overflow
    /// markers (y = 240) so that the reference loaders and <see cref="Decode"/> recover them exactly.
    /// </summary>
    public static byte[] Encode(EventStream events)
    {
        if (events.Width > 256 || events.Height > OverflowMarkerY)
            throw new ArgumentException($"N-MNIST files hold x < 256 and y < 240; sensor is {events.Width}×{events.Height}.", nameof(events));
        using var ms = new MemoryStream(events.Count * EventBytes);
        long markers = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var t = events.T[i];
            if (t < 0) throw new ArgumentException($"Event {i} has negative timestamp {t} µs; N-MNIST timestamps are unsigned.", nameof(events));
            var stored = t - markers * OverflowIncrement;
            if (stored < 0)
                throw new ArgumentException($"Event {i} at {t} µs comes after an overflow marker written for a later time; "
                    + "the format needs time order across overflows.", nameof(events));
            while (stored > MaxStoredTimestamp)
            {
                ms.Write([0, OverflowMarkerY, 0, 0, 0]);
                markers++;
                stored -= OverflowIncrement;
            }
            ms.Write([(byte)events.X[i], (byte)events.Y[i], (byte)((events.Polarity[i] ? 0x80 : 0) | (int)(stored >> 16)),
                (byte)(stored >> 8), (byte)stored]);
        }
        return ms.ToArray();
    }

    public static void Write(string path, EventStream events) => File.WriteAllBytes(path, Encode(events));

    /// <summary>
    /// The samples of one split folder (e.g. &lt;root&gt;/Train): one subfolder per class named by its
    /// index (0..9), .bin files inside. Sorted for a deterministic order.
    /// </summary>
    public static IReadOnlyList<(string Path, int Label)> ListSplit(string splitFolder, int classCount = 10)
    {
        if (!Directory.Exists(splitFolder))
            throw new DirectoryNotFoundException(
                $"N-MNIST split folder not found: {splitFolder} (expected Train/ or Test/ holding class folders 0..{classCount - 1}).");
        var samples = new List<(string, int)>();
        foreach (var dir in Directory.GetDirectories(splitFolder).OrderBy(d => d, StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var label) || label < 0 || label >= classCount)
                throw new DataFormatException($"{dir}: class folder name '{name}' is not a class index 0..{classCount - 1}.");
            foreach (var f in Directory.GetFiles(dir, "*.bin").OrderBy(f => f, StringComparer.Ordinal)) samples.Add((f, label));
        }
        if (samples.Count == 0) throw new DataFormatException($"{splitFolder}: no .bin files in class folders 0..{classCount - 1}.");
        return samples;
    }
}
