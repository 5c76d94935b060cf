using System.Buffers.Binary;
using System.IO.Compression;

namespace Snn.Data.Formats;

/// <summary>
/// Reader for the IDX format of MNIST / Fashion-MNIST (LeCun et al.): magic 0x00 0x00 type ndims,
/// ndims big-endian int32 sizes, then the values big-endian, row-major. Reads raw or gzip files
/// (detected by content, not by name; gzip through <see cref="GzipReader"/>, which inflates with the platform,
/// checks every member's CRC-32 and ISIZE and names the byte offset of what is wrong in a corrupt file).
/// The header is checked before any value is read: sizes above 2^31 − 1 (the format's sizes are signed
/// 32-bit), a byte count that overflows 64 bits, and, for a file of known length, a body shorter than the
/// header announces are all rejected before anything is allocated; a gzip body, whose length is known only
/// at its end, is read in bounded chunks, so a lying header cannot allocate more than the data actually
/// present plus one chunk.
/// </summary>
public static class Idx
{
    private const int MaxDimensions = 16;
    private const int Chunk = 1 << 20;

    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        var gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        if (!gzip) return Read(file, path);
        using var stream = new GzipReader(file, path);
        try
        {
            return Read(stream, path + " (gzip)");
        }
        catch (DataFormatException) when (!stream.Faulted)
        {
            // The IDX content looks wrong: if the gzip data itself is corrupt (a trailer CRC32 or ISIZE
            // mismatch further on), that is the error to report.
            stream.VerifyToEnd();
            throw;
        }
    }

    /// <summary>
    /// Reads one IDX array from a stream; <paramref name="name"/> is used in error messages. The stream must
    /// end right after the values. A seekable stream's length is checked against the header before allocating.
    /// </summary>
    public static IdxArray Read(Stream stream, string name)
    {
        long offset = 0;
        var header = new byte[4];
        ReadExactly(stream, header, name, ref offset, "the 4-byte magic number");
        if (header[0] != 0 || header[1] != 0)
            throw new DataFormatException($"{name}: bad magic number 0x{header[0]:X2}{header[1]:X2}{header[2]:X2}{header[3]:X2} at offset 0: "
                + "an IDX file starts with two zero bytes (e.g. 0x00000803 for images, 0x00000801 for labels).");
        if (!Enum.IsDefined(typeof(IdxDataType), header[2]))
            throw new DataFormatException($"{name}: unknown IDX data type 0x{header[2]:X2} at offset 2; expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E.");
        var type = (IdxDataType)header[2];
        int rank = header[3];
        if (rank is < 1 or > MaxDimensions)
            throw new DataFormatException($"{name}: {rank} dimensions at offset 3; expected 1 to {MaxDimensions}.");

        var dims = new byte[4 * rank];
        ReadExactly(stream, dims, name, ref offset, $"{rank} dimension sizes");
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(dims.AsSpan(4 * i));
            if (size > int.MaxValue)
                throw new DataFormatException(
                    $"{name}: dimension {i} is {size} (at offset {4 + 4 * i}), larger than {int.MaxValue}: IDX sizes are signed 32-bit big-endian integers.");
            shape[i] = (int)size;
        }
        var elementSize = ElementSize(type);
        long count, byteCount;
        try
        {
            count = 1;
            foreach (var d in shape) count = checked(count * d);
            byteCount = checked(count * elementSize);
        }
        catch (OverflowException)
        {
            throw new DataFormatException(
                $"{name}: shape [{string.Join(", ", shape)}] of {type} (header at offset 4 to {4 + 4 * rank}) needs more than 2^63 bytes; no file holds that.");
        }

        var what = $"{count} values of type {type} (shape [{string.Join(", ", shape)}])";
        if (stream.CanSeek)
        {
            var available = Math.Max(0, stream.Length - stream.Position);
            if (available < byteCount) throw Truncated(name, offset, available, byteCount, what);
        }
        if (byteCount > Array.MaxLength)
        {
            // Too large for one array: say so only if the data is really there (a lying header is truncation).
            if (!stream.CanSeek)
            {
                var present = Skip(stream, byteCount);
                if (present < byteCount) throw Truncated(name, offset, present, byteCount, what);
            }
            throw new DataFormatException($"{name}: shape [{string.Join(", ", shape)}] (header at offset 4 to {4 + 4 * rank}) holds {count} values "
                + $"of {elementSize} bytes ({byteCount} bytes), more than one array holds ({Array.MaxLength} bytes).");
        }
        byte[] bytes;
        if (stream.CanSeek || byteCount <= Chunk)
        {
            bytes = new byte[byteCount];
            ReadExactly(stream, bytes, name, ref offset, what);
        }
        else
        {
            bytes = ReadChunked(stream, byteCount, name, offset, what);
            offset += byteCount;
        }
        if (stream.ReadByte() >= 0)
            throw new DataFormatException($"{name}: unexpected data after offset {offset}; the header announces exactly {count} values of type {type}.");
        return new IdxArray(type, shape, Decode(type, bytes, (int)count));
    }

    /// <summary>Writes an IDX file (raw, or gzip when the path ends in .gz): used by tools and tests.</summary>
    public static void Write(string path, IdxDataType type, int[] shape, Array values)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : file;
        stream.Write([0, 0, (byte)type, (byte)shape.Length]);
        Span<byte> four = stackalloc byte[4];
        foreach (var d in shape) { BinaryPrimitives.WriteInt32BigEndian(four, d); stream.Write(four); }
        stream.Write(Encode(type, values));
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string name, ref long offset, string what)
    {
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length) throw Truncated(name, offset, read, buffer.Length, what);
        offset += read;
    }

    private static DataFormatException Truncated(string name, long offset, long read, long expected, string what) =>
        new($"{name}: truncated at offset {offset + read}: expected {what} ({expected} bytes from offset {offset}) but the file ends after {read} of them.");

    // Reads `count` bytes of a stream of unknown length in chunks: a header that promises more than the
    // stream holds costs one chunk beyond the data present, not the promised size.
    private static byte[] ReadChunked(Stream stream, long count, string name, long offset, string what)
    {
        var chunks = new List<byte[]>();
        long read = 0;
        while (read < count)
        {
            var chunk = new byte[Math.Min(Chunk, count - read)];
            var n = stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
            read += n;
            if (n < chunk.Length) throw Truncated(name, offset, read, count, what);
            chunks.Add(chunk);
        }
        var bytes = new byte[count];
        long at = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(bytes, at);
            at += chunk.Length;
        }
        return bytes;
    }

    // Reads and discards up to `count` bytes; returns how many there were.
    private static long Skip(Stream stream, long count)
    {
        var scratch = new byte[Chunk];
        long read = 0;
        while (read < count)
        {
            var n = stream.Read(scratch, 0, (int)Math.Min(scratch.Length, count - read));
            if (n <= 0) break;
            read += n;
        }
        return read;
    }

    private static int ElementSize(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 or IdxDataType.Int8 => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Array Decode(IdxDataType type, byte[] b, int n)
    {
        switch (type)
        {
            case IdxDataType.UInt8: return b;
            case IdxDataType.Int8: return b.Select(x => unchecked((sbyte)x)).ToArray();
            case IdxDataType.Int16:
                {
                    var v = new short[n];
                    for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(2 * i));
                    return v;
                }
            case IdxDataType.Int32:
                {
                    var v = new int[n];
                    for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4 * i));
                    return v;
                }
            case IdxDataType.Float32:
                {
                    var v = new float[n];
                    for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(4 * i));
                    return v;
                }
            case IdxDataType.Float64:
                {
                    var v = new double[n];
                    for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadDoubleBigEndian(b.AsSpan(8 * i));
                    return v;
                }
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private static byte[] Encode(IdxDataType type, Array values)
    {
        var n = values.Length;
        var b = new byte[n * ElementSize(type)];
        switch (type, values)
        {
            case (IdxDataType.UInt8, byte[] v): v.CopyTo(b, 0); break;
            case (IdxDataType.Int8, sbyte[] v): for (var i = 0; i < n; i++) b[i] = unchecked((byte)v[i]); break;
            case (IdxDataType.Int16, short[] v): for (var i = 0; i < n; i++) BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(2 * i), v[i]); break;
            case (IdxDataType.Int32, int[] v): for (var i = 0; i < n; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 * i), v[i]); break;
            case (IdxDataType.Float32, float[] v): for (var i = 0; i < n; i++) BinaryPrimitives.WriteSingleBigEndian(b.AsSpan(4 * i), v[i]); break;
            case (IdxDataType.Float64, double[] v): for (var i = 0; i < n; i++) BinaryPrimitives.WriteDoubleBigEndian(b.AsSpan(8 * i), v[i]); break;
            default: throw new ArgumentException($"Values of type {values.GetType().Name} do not match IDX type {type}.", nameof(values));
        }
        return b;
    }
}
