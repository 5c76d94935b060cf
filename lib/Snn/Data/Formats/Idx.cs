using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data.Formats;

/// <summary>
/// Reader for the IDX format of MNIST / Fashion-MNIST (LeCun et al.): magic 0x00 0x00 type ndims,
/// ndims big-endian int32 sizes, then the values big-endian, row-major. Reads raw or gzip files
/// (detected by content, not by name).
/// </summary>
public static class Idx
{
    private const int MaxDimensions = 16;

    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        var gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return Read(stream, path + (gzip ? " (gzip)" : ""));
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip stream ({e.Message}).");
        }
    }

    /// <summary>Reads one IDX array from a stream; <paramref name="name"/> is used in error messages.</summary>
    public static IdxArray Read(Stream stream, string name)
    {
        long offset = 0;
        var header = new byte[4];
        ReadExactly(stream, header, name, ref offset, "the 4-byte magic number");
        if (header[0] != 0 || header[1] != 0)
            throw new DataFormatException($"{name}: bad magic number 0x{header[0]:X2}{header[1]:X2}{header[2]:X2}{header[3]:X2} at offset 0: an IDX file starts with two zero bytes (e.g. 0x00000803 for images, 0x00000801 for labels).");
        if (!Enum.IsDefined(typeof(IdxDataType), header[2]))
            throw new DataFormatException($"{name}: unknown IDX data type 0x{header[2]:X2} at offset 2; expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E.");
        var type = (IdxDataType)header[2];
        int rank = header[3];
        if (rank is < 1 or > MaxDimensions)
            throw new DataFormatException($"{name}: {rank} dimensions at offset 3; expected 1 to {MaxDimensions}.");

        var dims = new byte[4 * rank];
        ReadExactly(stream, dims, name, ref offset, $"{rank} dimension sizes");
        var shape = new int[rank];
        long count = 1;
        for (var i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] < 0) throw new DataFormatException($"{name}: dimension {i} has negative size {shape[i]} at offset {4 + 4 * i}.");
            count *= shape[i];
            if (count > Array.MaxLength) throw new DataFormatException($"{name}: shape [{string.Join(", ", shape.Take(i + 1))}…] holds more values than fit in memory.");
        }

        var size = ElementSize(type);
        if (count * size > Array.MaxLength) throw new DataFormatException($"{name}: {count} values of {size} bytes do not fit in one array.");
        var bytes = new byte[count * size];
        ReadExactly(stream, bytes, name, ref offset, $"{count} values of type {type} (shape [{string.Join(", ", shape)}])");
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
        if (read < buffer.Length)
            throw new DataFormatException($"{name}: truncated at offset {offset + read}: expected {what} ({buffer.Length} bytes from offset {offset}) but the file ends after {read} of them.");
        offset += read;
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
            case IdxDataType.Int16: { var v = new short[n]; for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(2 * i)); return v; }
            case IdxDataType.Int32: { var v = new int[n]; for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4 * i)); return v; }
            case IdxDataType.Float32: { var v = new float[n]; for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(4 * i)); return v; }
            case IdxDataType.Float64: { var v = new double[n]; for (var i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadDoubleBigEndian(b.AsSpan(8 * i)); return v; }
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
