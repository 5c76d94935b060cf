using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Snn.Data.Formats;

/// <summary>
/// The CRC-32 of gzip (RFC 1952 section 8) and zlib/PNG: reflected polynomial 0xEDB88320, initial value
/// and final XOR 0xFFFFFFFF. CRC32("123456789") = 0xCBF43926. System.IO.Hashing is not referenced.
/// Table-driven, eight bytes per step ("slicing-by-8": table k holds the CRC of a byte followed by k zero bytes).
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable(); // 8 tables of 256 entries, one after the other

    /// <summary>The CRC of <paramref name="data"/> continued from <paramref name="crc"/> (0 for a fresh start).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        var t = Table;
        while (data.Length >= 8)
        {
            var one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            var two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t[7 * 256 + (one & 0xFF)] ^ t[6 * 256 + ((one >> 8) & 0xFF)] ^ t[5 * 256 + ((one >> 16) & 0xFF)] ^ t[4 * 256 + (one >> 24)]
              ^ t[3 * 256 + (two & 0xFF)] ^ t[2 * 256 + ((two >> 8) & 0xFF)] ^ t[256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
            data = data[8..];
        }
        foreach (var b in data) c = t[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    /// <summary>The CRC continued by one byte.</summary>
    public static uint Update(uint crc, byte b) => ~(Table[(~crc ^ b) & 0xFF] ^ (~crc >> 8));

    public static uint Compute(ReadOnlySpan<byte> data) => Update(0, data);

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        for (var n = 0; n < 256; n++)
            for (var k = 1; k < 8; k++)
                table[k * 256 + n] = (table[(k - 1) * 256 + n] >> 8) ^ table[table[(k - 1) * 256 + n] & 0xFF];
        return table;
    }
}
