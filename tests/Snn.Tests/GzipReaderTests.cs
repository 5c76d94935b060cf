using System.IO.Compression;
using System.Text;
using Snn.Data.Formats;

namespace Snn.Tests;

/// <summary>
/// gzip files (RFC 1952) written byte by byte: header, DEFLATE blocks (RFC 1951) as stored blocks or fixed-Huffman
/// bits, trailer with a CRC-32 computed here bit by bit. System.IO.Compression serves only as an independent
/// encoder/decoder to compare with.
/// </summary>
public sealed class GzipReaderTests
{
    // CRC-32 of RFC 1952 section 8, bit by bit (independent of the reader's table-driven one).
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c ^= b;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
        return ~c;
    }

    private static byte[] LittleEndian(uint v) => [(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)];

    // 10-byte header: ID1 ID2 CM FLG MTIME(4) XFL OS.
    private static byte[] Header(byte flags = 0, byte method = 8) => [0x1F, 0x8B, method, flags, 0x12, 0x34, 0x56, 0x78, 0x00, 0x03];

    // DEFLATE stored blocks: BFINAL/BTYPE=00 byte, LEN and NLEN little-endian, then the bytes.
    private static byte[] Stored(byte[] data, int blockSize = 65535)
    {
        var output = new List<byte>();
        var at = 0;
        do
        {
            var n = Math.Min(blockSize, data.Length - at);
            output.Add((byte)(at + n == data.Length ? 1 : 0));
            output.AddRange([(byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)]);
            output.AddRange(data.AsSpan(at, n).ToArray());
            at += n;
        }
        while (at < data.Length);
        return [.. output];
    }

    private static byte[] Trailer(byte[] data) => [.. LittleEndian(Crc(data)), .. LittleEndian((uint)data.Length)];

    private static byte[] Member(byte[] data) => [.. Header(), .. Stored(data), .. Trailer(data)];

    private static byte[] Decompress(byte[] gz, string name = "mem.gz")
    {
        using var reader = new GzipReader(new MemoryStream(gz), name);
        using var output = new MemoryStream();
        reader.CopyTo(output, 7); // odd buffer size: reads end inside blocks and matches
        return output.ToArray();
    }

    private static DataFormatException Fails(byte[] gz, string name = "bad.gz") =>
        Assert.Throws<DataFormatException>(() => Decompress(gz, name));

    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Stored_member_written_byte_by_byte_decodes_with_the_standard_crc()
    {
        Assert.Equal(0xCBF43926u, Crc(Check)); // the CRC-32 check value
        Assert.Equal(0xCBF43926u, Crc32.Compute(Check));
        Assert.Equal(Check, Decompress(Member(Check)));
        var big = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7 + i / 1000)).ToArray();
        Assert.Equal(big, Decompress([.. Header(), .. Stored(big, 30_000), .. Trailer(big)]));
        Assert.Empty(Decompress(Member([])));
    }

    [Fact]
    public void Fixed_huffman_block_with_an_overlapping_match_decodes_like_system_io_compression()
    {
        // "abc" as literals, then length 6 at distance 3 (overlapping) → "abcabcabc", then end of block.
        var bits = new BitWriter();
        bits.Write(1, 1); bits.Write(1, 2); // BFINAL = 1, BTYPE = 01 (fixed Huffman)
        foreach (var c in "abc") bits.Huffman(0x30 + c, 8); // literals 0..143: 8-bit codes 0x30 + value
        bits.Huffman(260 - 256, 7);                          // length symbol 260 = length 6 (7-bit codes from 0)
        bits.Huffman(2, 5);                                  // distance symbol 2 = distance 3
        bits.Huffman(0, 7);                                  // 256 = end of block
        var deflate = bits.ToArray();
        var expected = Encoding.ASCII.GetBytes("abcabcabc");
        using (var reference = new DeflateStream(new MemoryStream(deflate), CompressionMode.Decompress))
        {
            using var output = new MemoryStream();
            reference.CopyTo(output);
            Assert.Equal(expected, output.ToArray());
        }
        Assert.Equal(expected, Decompress([.. Header(), .. deflate, .. Trailer(expected)]));

        // The same block with distance 4 reaches before the first byte of the member.
        bits = new BitWriter();
        bits.Write(1, 1); bits.Write(1, 2);
        foreach (var c in "abc") bits.Huffman(0x30 + c, 8);
        bits.Huffman(4, 7);
        bits.Huffman(3, 5); // distance symbol 3 = distance 4
        bits.Huffman(0, 7);
        var e = Fails([.. Header(), .. bits.ToArray(), .. Trailer(expected)]);
        Assert.Contains("corrupt deflate data", e.Message);
        Assert.Contains("4 bytes back", e.Message);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.Optimal)]
    [InlineData(CompressionLevel.SmallestSize)]
    public void Decodes_what_system_io_compression_writes(CompressionLevel level)
    {
        var rng = new Random(1);
        var words = new[] { "spike", "neuron", "membrane", "threshold", "surrogate" };
        var text = string.Join(" ", Enumerable.Range(0, 60_000).Select(_ => words[rng.Next(words.Length)]));
        byte[] data = [.. Encoding.ASCII.GetBytes(text), .. Enumerable.Range(0, 70_000).Select(_ => (byte)rng.Next(256))];
        using var gz = new MemoryStream();
        using (var writer = new GZipStream(gz, level, leaveOpen: true)) writer.Write(data);
        Assert.Equal(data, Decompress(gz.ToArray()));
    }

    [Fact]
    public void Trailer_crc32_mismatch_names_expected_and_computed_values()
    {
        var gz = Member(Check);
        gz[^8] ^= 0x01; // the stored CRC
        var e = Fails(gz);
        Assert.Contains("bad.gz", e.Message);
        Assert.Contains($"gzip trailer CRC32 mismatch: expected 0x{0xCBF43926u ^ 1:X8}", e.Message);
        Assert.Contains("computed 0xCBF43926", e.Message);
        Assert.Contains($"offset {gz.Length - 8}", e.Message);

        gz = Member(Check);
        gz[10 + 5 + 4] ^= 0x20; // data byte 4, inside the stored block: the data no longer matches the CRC
        var corrupted = (byte[])Check.Clone();
        corrupted[4] ^= 0x20;
        e = Fails(gz);
        Assert.Contains("gzip trailer CRC32 mismatch: expected 0xCBF43926", e.Message);
        Assert.Contains($"computed 0x{Crc(corrupted):X8}", e.Message);
    }

    [Fact]
    public void Trailer_isize_mismatch_is_reported()
    {
        var gz = Member(Check);
        gz[^4] = 10; // ISIZE 10 for 9 bytes
        var e = Fails(gz);
        Assert.Contains("gzip trailer ISIZE mismatch: expected 10", e.Message);
        Assert.Contains("9 bytes", e.Message);
    }

    [Fact]
    public void Corrupt_header_is_reported_distinctly_from_the_trailer_and_the_data()
    {
        var e = Fails([.. Header(method: 7), .. Stored(Check), .. Trailer(Check)]);
        Assert.Contains("corrupt gzip header at offset 2", e.Message);
        Assert.Contains("compression method (CM) 7", e.Message);
        Assert.DoesNotContain("trailer", e.Message);

        e = Fails([.. Header(flags: 0x20), .. Stored(Check), .. Trailer(Check)]);
        Assert.Contains("corrupt gzip header at offset 3", e.Message);
        Assert.Contains("reserved", e.Message);

        byte[] magic = [.. Member(Check)];
        magic[1] = 0x8C;
        e = Fails(magic);
        Assert.Contains("corrupt gzip header at offset 0", e.Message);

        // FHCRC: the two low bytes of the CRC-32 of the 10 header bytes.
        var header = Header(flags: 0x02);
        var crc16 = Crc(header) & 0xFFFF;
        Assert.Equal(Check, Decompress([.. header, (byte)crc16, (byte)(crc16 >> 8), .. Stored(Check), .. Trailer(Check)]));
        e = Fails([.. header, (byte)~crc16, (byte)(crc16 >> 8), .. Stored(Check), .. Trailer(Check)]);
        Assert.Contains("corrupt gzip header at offset 10", e.Message);
        Assert.Contains("CRC16", e.Message);

        // Deflate data: reserved block type 3, stored LEN/NLEN that disagree.
        e = Fails([.. Header(), 0b111, 0, 0, .. Trailer([])]);
        Assert.Contains("corrupt deflate data at offset 10", e.Message);
        Assert.Contains("block type 3", e.Message);
        var stored = Stored(Check);
        stored[3] ^= 0xFF;
        e = Fails([.. Header(), .. stored, .. Trailer(Check)]);
        Assert.Contains("LEN 9 does not match NLEN", e.Message);
    }

    [Fact]
    public void Optional_header_fields_are_skipped()
    {
        byte[] extra = [4, 0, (byte)'A', (byte)'B', 0, 0]; // XLEN = 4, one subfield AB of length 0
        byte[] fileName = [.. Encoding.ASCII.GetBytes("labels-idx1-ubyte"), 0];
        byte[] comment = [.. Encoding.ASCII.GetBytes("written by hand"), 0];
        byte[] header = [.. Header(flags: 0x04 | 0x08 | 0x10 | 0x02), .. extra, .. fileName, .. comment];
        var crc16 = Crc(header) & 0xFFFF;
        Assert.Equal(Check, Decompress([.. header, (byte)crc16, (byte)(crc16 >> 8), .. Stored(Check), .. Trailer(Check)]));
    }

    [Fact]
    public void Every_truncation_is_reported_as_truncated()
    {
        byte[] header = [.. Header(flags: 0x08), .. Encoding.ASCII.GetBytes("name"), 0];
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("spiking ", 50)));
        using var compressed = new MemoryStream();
        using (var writer = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) writer.Write(text);
        foreach (var (data, body) in new[] { (Check, Stored(Check)), (text, compressed.ToArray()) })
        {
            byte[] gz = [.. header, .. body, .. Trailer(data)];
            Assert.Equal(data, Decompress(gz));
            for (var cut = 1; cut < gz.Length; cut++)
            {
                var e = Fails(gz[..cut], "cut.gz");
                Assert.Contains("cut.gz: truncated gzip file", e.Message);
                Assert.Contains($"offset {cut}", e.Message);
            }
        }
    }

    [Fact]
    public void Concatenated_members_are_read_in_full_and_each_trailer_is_checked()
    {
        var second = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("second member ", 100)));
        using var gz = new MemoryStream();
        using (var writer = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) writer.Write(second);
        byte[] both = [.. Member(Check), .. gz.ToArray(), .. Member([])];
        Assert.Equal([.. Check, .. second], Decompress(both));

        var bad = (byte[])both.Clone();
        var secondTrailer = Member(Check).Length + (int)gz.Length - 8;
        bad[secondTrailer] ^= 0x80;
        var e = Fails(bad);
        Assert.Contains("gzip trailer CRC32 mismatch", e.Message);
        Assert.Contains($"member 2 (header at offset {Member(Check).Length})", e.Message);
    }

    [Fact]
    public void Bytes_after_the_last_member_are_rejected()
    {
        var e = Fails([.. Member(Check), 0x00, 0x00]);
        Assert.Contains($"unexpected data at offset {Member(Check).Length} after gzip member 1", e.Message);
        e = Fails([.. Member(Check), 0x1F]);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Fuzzed_gzip_gives_a_format_error_or_exactly_the_original_bytes()
    {
        var rng = new Random(7);
        var data = Encoding.ASCII.GetBytes(string.Join(",", Enumerable.Range(0, 3000).Select(_ => rng.Next(1000))));
        using var gz = new MemoryStream();
        using (var writer = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) writer.Write(data);
        var valid = gz.ToArray();
        var failures = 0;
        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])valid.Clone();
            for (var f = 1 + rng.Next(3); f > 0; f--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            try
            {
                // Flips in MTIME, XFL or OS change nothing; anything else must be caught.
                Assert.Equal(data, Decompress(bytes, "fuzz.gz"));
            }
            catch (DataFormatException e)
            {
                failures++;
                Assert.Contains("fuzz.gz", e.Message);
                Assert.Contains("offset", e.Message);
            }
        }
        Assert.True(failures > 250, $"only {failures} of 300 corrupted files were rejected");
    }

    private static (byte[] Data, bool Diagnosed) Inflate(Stream input)
    {
        using var reader = new GzipReader(input, "ok.gz");
        using var output = new MemoryStream();
        reader.CopyTo(output, 7);
        return (output.ToArray(), reader.UsedDiagnostics);
    }

    [Fact]
    public void Valid_files_are_inflated_by_the_platform_without_the_diagnostic_decoder()
    {
        var rng = new Random(3);
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 30_000).Select(_ => rng.Next(100) + ";")));
        using var compressed = new MemoryStream();
        using (var writer = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) writer.Write(text);
        var system = compressed.ToArray();
        byte[] header = [.. Header(flags: 0x04 | 0x08 | 0x10 | 0x02), 2, 0, 9, 9, .. Encoding.ASCII.GetBytes("name"), 0, 0];
        var crc16 = Crc(header) & 0xFFFF;
        var cases = new List<(byte[] Gz, byte[] Data)>
        {
            (Member(Check), Check),
            (Member([]), []),
            (system, text),
            ([.. system, .. system, .. Member([]), .. Member(Check)], [.. text, .. text, .. Check]), // identical members
            ([.. header, (byte)crc16, (byte)(crc16 >> 8), .. Stored(Check), .. Trailer(Check)], Check),
        };
        // Members whose deflate data ends on every side of the inflater's 8 KiB input chunks.
        for (var n = 8170; n < 8200; n++)
        {
            var data = Enumerable.Range(0, n).Select(_ => (byte)rng.Next(256)).ToArray();
            cases.Add(([.. Member(data), .. Member(data)], [.. data, .. data]));
        }
        for (var n = 15_200; n < 15_600; n += 10) // Huffman-coded members of 8.1 to 8.3 KB
        {
            var data = Enumerable.Range(0, n).Select(_ => (byte)rng.Next(16)).ToArray();
            using var member = new MemoryStream();
            using (var writer = new GZipStream(member, CompressionLevel.Optimal, leaveOpen: true)) writer.Write(data);
            cases.Add(([.. member.ToArray(), .. member.ToArray()], [.. data, .. data]));
        }
        foreach (var (gz, data) in cases)
        {
            var (decoded, diagnosed) = Inflate(new MemoryStream(gz));
            Assert.Equal(data, decoded);
            Assert.False(diagnosed);
        }

        // Bad files go to the diagnostic decoder, whose messages count offsets from where the reader started.
        byte[] prefixed = [0xAA, 0xBB, .. Member(Check)];
        prefixed[^8] ^= 1;
        var input = new MemoryStream(prefixed) { Position = 2 };
        var e = Assert.Throws<DataFormatException>(() => Inflate(input));
        Assert.Contains($"trailer at offset {prefixed.Length - 2 - 8}", e.Message);
    }

    [Fact]
    public void An_input_that_cannot_seek_is_read_by_the_diagnostic_decoder_alone()
    {
        var (decoded, diagnosed) = Inflate(new ForwardOnly(Member(Check)));
        Assert.Equal(Check, decoded);
        Assert.True(diagnosed);
        var bad = Member(Check);
        bad[^1] = 1;
        var e = Assert.Throws<DataFormatException>(() => Inflate(new ForwardOnly(bad)));
        Assert.Contains("gzip trailer ISIZE mismatch", e.Message);
    }

    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    // DEFLATE bit packing (RFC 1951 3.1.1): fields LSB first, Huffman codes MSB first.
    private sealed class BitWriter
    {
        private readonly List<byte> bytes = [];
        private int used = 8;

        public void Write(int value, int count)
        {
            for (var i = 0; i < count; i++) Bit((value >> i) & 1);
        }

        public void Huffman(int code, int length)
        {
            for (var i = length - 1; i >= 0; i--) Bit((code >> i) & 1);
        }

        private void Bit(int bit)
        {
            if (used == 8) { bytes.Add(0); used = 0; }
            bytes[^1] |= (byte)(bit << used++);
        }

        public byte[] ToArray() => [.. bytes];
    }
}
