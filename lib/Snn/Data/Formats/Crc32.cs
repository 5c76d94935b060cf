namespace Snn.Data.Formats;

/// <summary>
/// The CRC-32 of gzip (RFC 1952 section 8) and zlib/PNG: reflected polynomial 0xEDB88320, initial value and final XOR
/// 0xFFFFFFFF. CRC32("123456789") = 0xCBF43926. Computed by System.IO.Hashing (vectorised); the gzip readers use its
/// incremental <see cref="System.IO.Hashing.Crc32"/> directly.
/// </summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
