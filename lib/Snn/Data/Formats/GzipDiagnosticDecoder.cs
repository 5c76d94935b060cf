using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Hashing = System.IO.Hashing;

namespace Snn.Data.Formats;

/// <summary>
/// The diagnostic path of <see cref="GzipReader"/>: a forward-only stream of the decompressed bytes of a gzip file
/// (RFC 1952) with its own DEFLATE decoder (RFC 1951), about 3× slower than the platform's, kept because it knows
/// where every member's compressed data ends and so can name the part of the file that is wrong and its byte offset
/// in the compressed file. <see cref="GzipReader"/> inflates with the platform and switches to this decoder only
/// when the platform's stream rejects a file (or the input cannot seek), so all error messages come from here:
/// <list type="bullet">
/// <item>header: magic 1F 8B, CM = 8 (deflate, the only method RFC 1952 defines), FLG bits 5-7 zero (RFC 1952
/// 2.3.1.2: "a compliant decompressor must give an error indication if any reserved bit is non-zero"), FEXTRA,
/// FNAME and FCOMMENT skipped, FHCRC checked (the two low bytes of the CRC-32 of the header bytes before it);</item>
/// <item>deflate data: block type 3, stored LEN/NLEN mismatch, over-subscribed or incomplete Huffman codes (an
/// incomplete code is allowed only for a single code of length 1, as zlib allows), bad repeat codes, invalid
/// symbols, distances reaching before the member's first byte;</item>
/// <item>trailer: CRC-32 (System.IO.Hashing) and ISIZE (length mod 2^32) of the member's decompressed data;</item>
/// <item>truncation: the file ending inside a header, block or trailer is reported as "truncated".</item>
/// </list>
/// Concatenated members (RFC 1952 section 2.2) are read one after the other; bytes after the last member that do
/// not start another member are an error. The decoder does not own <c>input</c>: disposing it leaves the input open.
/// After a format error, every later read raises the same <see cref="DataFormatException"/>.
/// </summary>
internal sealed class GzipDiagnosticDecoder : DecompressingStream
{
    private const int WindowSize = 1 << 15, WindowMask = WindowSize - 1;
    private const int FastBits = 10;

    private static readonly ushort[] LengthBase =
        [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
    private static readonly byte[] LengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    private static readonly ushort[] DistanceBase =
        [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
    private static readonly byte[] DistanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
    private static readonly byte[] CodeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
    private static readonly Lazy<(Huffman Literals, Huffman Distances)> Fixed = new(BuildFixed);

    private enum State { MemberHeader, BlockHeader, Stored, Codes, Done }

    private readonly Stream input;
    private readonly string name;
    private readonly byte[] buffer = new byte[1 << 16];
    private int bufferPos, bufferLength;
    private long bufferStart;          // file offset of buffer[0]
    private ulong bits;                // bit buffer: the next bit of the stream is bit 0
    private int bitCount;
    private readonly byte[] window = new byte[WindowSize];
    private int windowPos;
    private State state = State.MemberHeader;
    private bool finalBlock;
    private int storedLeft;
    private Huffman? literals, distances;
    private int copyLength, copyDistance;
    private int members;               // members started so far; the current one is number `members`
    private long memberStart;          // file offset of the current member's header
    private long memberLength;         // decompressed bytes of the current member so far
    private readonly Hashing.Crc32 memberCrc = new();
    private DataFormatException? fault;

    public GzipDiagnosticDecoder(Stream input, string name)
    {
        this.input = input;
        this.name = name;
    }

    /// <summary>True once a format error was raised.</summary>
    public bool Faulted => fault is not null;

    public override int Read(Span<byte> destination)
    {
        if (fault is not null) throw fault;
        try
        {
            var n = 0;
            while (n < destination.Length && state != State.Done)
            {
                switch (state)
                {
                    case State.MemberHeader:
                        state = ReadMemberHeader() ? State.BlockHeader : State.Done;
                        break;
                    case State.BlockHeader:
                        ReadBlockHeader();
                        break;
                    case State.Stored:
                        {
                            var k = CopyStored(destination[n..]);
                            Produced(destination.Slice(n, k));
                            n += k;
                            if (storedLeft == 0) EndOfBlock();
                            break;
                        }
                    case State.Codes:
                        {
                            var k = Inflate(destination[n..], out var ended);
                            memberCrc.Append(destination.Slice(n, k));
                            n += k;
                            if (ended) EndOfBlock();
                            break;
                        }
                }
            }
            return n;
        }
        catch (DataFormatException e)
        {
            fault = e;
            throw;
        }
    }

    // ---- input: bytes, bits ----

    /// <summary>File offset of the byte holding the next unread bit.</summary>
    private long Offset => bufferStart + bufferPos - (bitCount + 7) / 8;

    private int NextByte()
    {
        if (bufferPos == bufferLength)
        {
            bufferStart += bufferLength;
            bufferPos = 0;
            bufferLength = Math.Max(0, input.Read(buffer, 0, buffer.Length));
            if (bufferLength == 0) return -1;
        }
        return buffer[bufferPos++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fill(int n)
    {
        if (bitCount >= n) return true;
        if (bufferLength - bufferPos >= 8)
        {
            // As many whole bytes as fit in the 64-bit buffer, from one little-endian load (n ≤ 32 < 56).
            var take = (63 - bitCount) >> 3;
            var word = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(bufferPos));
            bits |= (word & ((1UL << (take * 8)) - 1)) << bitCount;
            bitCount += take * 8;
            bufferPos += take;
            return true;
        }
        return FillSlowly(n);
    }

    private bool FillSlowly(int n)
    {
        while (bitCount < n)
        {
            var b = NextByte();
            if (b < 0) return false;
            bits |= (ulong)b << bitCount;
            bitCount += 8;
        }
        return true;
    }

    private int Bits(int n, string where)
    {
        if (bitCount < n && !Fill(n)) throw Truncated(where);
        var v = (int)(bits & ((1UL << n) - 1));
        bits >>= n;
        bitCount -= n;
        return v;
    }

    private void AlignToByte()
    {
        var drop = bitCount & 7;
        bits >>= drop;
        bitCount -= drop;
    }

    // Next whole byte after AlignToByte; -1 at the end of the file.
    private int AlignedByte()
    {
        if (bitCount < 8) return NextByte();
        var v = (int)(bits & 0xFF);
        bits >>= 8;
        bitCount -= 8;
        return v;
    }

    private int AlignedByte(string where)
    {
        var b = AlignedByte();
        return b >= 0 ? b : throw Truncated(where);
    }

    // ---- gzip members ----

    // Reads a member header; false at a clean end of file after the last member.
    private bool ReadMemberHeader()
    {
        AlignToByte();
        var start = Offset;
        var id1 = AlignedByte();
        if (id1 < 0)
        {
            if (members > 0) return false;
            throw Truncated("the gzip magic number");
        }
        var id2 = AlignedByte();
        if (id1 != 0x1F || id2 != 0x8B)
        {
            if (id1 == 0x1F && id2 < 0) throw Truncated(members == 0 ? "the gzip magic number" : $"the header of gzip member {members + 1}");
            if (members > 0)
                throw new DataFormatException($"{name}: unexpected data at offset {start} after gzip member {members}: {Hex(id1)} {Hex(id2)} "
                    + "is not the start of another member (1F 8B); RFC 1952 files are a series of members only.");
            throw HeaderError(start, $"magic {Hex(id1)} {Hex(id2)}, expected 1F 8B");
        }
        members++;
        memberStart = start;
        memberLength = 0;
        memberCrc.Reset();
        var headerCrc = new Hashing.Crc32();
        headerCrc.Append([0x1F, 0x8B]);
        const string where = "a gzip header";
        int Next()
        {
            var b = AlignedByte(where);
            headerCrc.Append([(byte)b]);
            return b;
        }
        var method = Next();
        if (method != 8) throw HeaderError(start + 2, $"compression method (CM) {method}; RFC 1952 defines only 8 (deflate)");
        var flags = Next();
        if ((flags & 0xE0) != 0) throw HeaderError(start + 3, $"flags 0x{flags:X2} set reserved bits 5-7, which RFC 1952 requires to be zero");
        for (var i = 0; i < 6; i++) Next(); // MTIME, XFL, OS
        if ((flags & 0x04) != 0) // FEXTRA
        {
            var length = Next() | Next() << 8;
            for (var i = 0; i < length; i++) Next();
        }
        if ((flags & 0x08) != 0) while (Next() != 0) { } // FNAME, zero-terminated
        if ((flags & 0x10) != 0) while (Next() != 0) { } // FCOMMENT, zero-terminated
        if ((flags & 0x02) != 0) // FHCRC
        {
            var at = Offset;
            var stored = AlignedByte(where) | AlignedByte(where) << 8;
            var expected = headerCrc.GetCurrentHashAsUInt32() & 0xFFFF;
            if (stored != expected)
                throw HeaderError(at, $"header CRC16 0x{stored:X4} does not match 0x{expected:X4}, the two low bytes of the CRC-32 of the header");
        }
        return true;
    }

    private void ReadTrailer()
    {
        AlignToByte();
        var at = Offset;
        Span<byte> trailer = stackalloc byte[8];
        for (var i = 0; i < 8; i++) trailer[i] = (byte)AlignedByte("the 8-byte gzip trailer (CRC32, ISIZE)");
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        var computed = memberCrc.GetCurrentHashAsUInt32();
        if (crc != computed)
            throw new DataFormatException(
                $"{name}: gzip trailer CRC32 mismatch: expected 0x{crc:X8} (trailer at offset {at}), computed 0x{computed:X8} over the " +
                $"{memberLength} decompressed bytes of member {members} (header at offset {memberStart}); the file is corrupt.");
        if (size != (uint)memberLength)
            throw new DataFormatException($"{name}: gzip trailer ISIZE mismatch: expected {size} (trailer at offset {at + 4}), but member {members} "
                + $"(header at offset {memberStart}) decompresses to {memberLength} bytes ({(uint)memberLength} mod 2^32); the file is corrupt.");
    }

    // ---- deflate ----

    private void ReadBlockHeader()
    {
        const string where = "a deflate block header";
        finalBlock = Bits(1, where) == 1;
        switch (Bits(2, where))
        {
            case 0:
                AlignToByte();
                var length = AlignedByte(where) | AlignedByte(where) << 8;
                var complement = AlignedByte(where) | AlignedByte(where) << 8;
                if (length != (~complement & 0xFFFF)) throw Corrupt($"stored block LEN {length} does not match NLEN {complement} (its one's complement)");
                storedLeft = length;
                state = State.Stored;
                break;
            case 1:
                (literals, distances) = Fixed.Value;
                state = State.Codes;
                break;
            case 2:
                ReadDynamicTables();
                state = State.Codes;
                break;
            default:
                throw Corrupt("block type 3, which RFC 1951 reserves as an error");
        }
    }

    private void EndOfBlock()
    {
        if (!finalBlock)
        {
            state = State.BlockHeader;
            return;
        }
        ReadTrailer();
        state = State.MemberHeader;
    }

    private void ReadDynamicTables()
    {
        const string where = "a dynamic Huffman table";
        var literalCount = Bits(5, where) + 257;
        var distanceCount = Bits(5, where) + 1;
        var codeCount = Bits(4, where) + 4;
        if (literalCount > 286) throw Corrupt($"{literalCount} literal/length codes, more than the 286 RFC 1951 allows");
        if (distanceCount > 30) throw Corrupt($"{distanceCount} distance codes, more than the 30 RFC 1951 allows");
        Span<byte> codeLengths = stackalloc byte[19];
        codeLengths.Clear();
        for (var i = 0; i < codeCount; i++) codeLengths[CodeLengthOrder[i]] = (byte)Bits(3, where);
        var error = TryBuild(codeLengths, codeLengthCode: true, out var lengthCode);
        if (error is not null) throw Corrupt($"the code length code is {error}");

        var total = literalCount + distanceCount;
        Span<byte> lengths = stackalloc byte[total];
        lengths.Clear();
        for (var i = 0; i < total;)
        {
            var symbol = Decode(lengthCode);
            if (symbol < 16)
            {
                lengths[i++] = (byte)symbol;
                continue;
            }
            byte value = 0;
            int repeat;
            if (symbol == 16)
            {
                if (i == 0) throw Corrupt("code length 16 (repeat the previous length) with no previous length");
                value = lengths[i - 1];
                repeat = 3 + Bits(2, where);
            }
            else if (symbol == 17) repeat = 3 + Bits(3, where);
            else repeat = 11 + Bits(7, where);
            if (i + repeat > total) throw Corrupt($"code length repeats run past the {total} lengths the block declares");
            lengths.Slice(i, repeat).Fill(value);
            i += repeat;
        }
        if (lengths[256] == 0) throw Corrupt("the literal/length code has no end-of-block symbol (256)");
        error = TryBuild(lengths[..literalCount], codeLengthCode: false, out var lit);
        if (error is not null) throw Corrupt($"the literal/length code is {error}");
        error = TryBuild(lengths[literalCount..], codeLengthCode: false, out var dist);
        if (error is not null) throw Corrupt($"the distance code is {error}");
        literals = lit;
        distances = dist;
    }

    private int CopyStored(Span<byte> destination)
    {
        var n = 0;
        while (n < destination.Length && storedLeft > 0)
        {
            if (bitCount >= 8)
            {
                destination[n++] = (byte)AlignedByte();
                storedLeft--;
            }
            else if (bufferPos < bufferLength)
            {
                var k = Math.Min(Math.Min(destination.Length - n, storedLeft), bufferLength - bufferPos);
                buffer.AsSpan(bufferPos, k).CopyTo(destination[n..]);
                bufferPos += k;
                n += k;
                storedLeft -= k;
            }
            else
            {
                var b = NextByte();
                if (b < 0) throw Truncated("a stored deflate block");
                destination[n++] = (byte)b;
                storedLeft--;
            }
        }
        return n;
    }

    // Bytes copied out of a stored block: into the window, the CRC and the member length.
    private void Produced(ReadOnlySpan<byte> data)
    {
        memberCrc.Append(data);
        memberLength += data.Length;
        if (data.Length > WindowSize) data = data[^WindowSize..];
        foreach (var b in data)
        {
            window[windowPos] = b;
            windowPos = (windowPos + 1) & WindowMask;
        }
    }

    // Decodes Huffman-coded data into destination until it is full or the block ends.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Inflate(Span<byte> destination, out bool ended)
    {
        ended = false;
        var n = 0;
        var win = window;
        while (n < destination.Length)
        {
            if (copyLength > 0)
            {
                var k = Math.Min(copyLength, destination.Length - n);
                var from = windowPos - copyDistance;
                for (var i = 0; i < k; i++)
                {
                    var b = win[(from + i) & WindowMask];
                    win[(windowPos + i) & WindowMask] = b;
                    destination[n + i] = b;
                }
                windowPos = (windowPos + k) & WindowMask;
                n += k;
                copyLength -= k;
                memberLength += k;
                continue;
            }
            var symbol = Decode(literals!);
            if (symbol < 256)
            {
                win[windowPos] = (byte)symbol;
                windowPos = (windowPos + 1) & WindowMask;
                destination[n++] = (byte)symbol;
                memberLength++;
            }
            else if (symbol == 256)
            {
                ended = true;
                break;
            }
            else
            {
                symbol -= 257;
                if (symbol >= 29) throw Corrupt($"literal/length symbol {symbol + 257}, which RFC 1951 does not define");
                var length = LengthBase[symbol] + Bits(LengthExtra[symbol], "a match length");
                var d = Decode(distances!);
                if (d >= 30) throw Corrupt($"distance symbol {d}, which RFC 1951 does not define");
                var distance = DistanceBase[d] + Bits(DistanceExtra[d], "a match distance");
                if (distance > memberLength)
                    throw Corrupt($"a match {distance} bytes back, but only {memberLength} bytes of this member precede it");
                copyLength = length;
                copyDistance = distance;
            }
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Decode(Huffman code)
    {
        Fill(15); // fewer bits may remain at the end of the file
        var entry = code.Fast[(int)(bits & ((1UL << FastBits) - 1))];
        var length = entry & 15;
        if (entry == 0 || length > bitCount) return DecodeSlowly(code);
        bits >>= length;
        bitCount -= length;
        return entry >> 4;
    }

    // Codes longer than FastBits, invalid codes, or too few bits left: canonical decoding bit by bit.
    private int DecodeSlowly(Huffman code)
    {
        int value = 0, first = 0, index = 0;
        for (var len = 1; len <= 15; len++)
        {
            value |= Bits(1, "a Huffman code");
            int count = code.Count[len];
            if (value - count < first) return code.Symbols[index + (value - first)];
            index += count;
            first = (first + count) << 1;
            value <<= 1;
        }
        throw Corrupt("a bit sequence that is no code of the block's Huffman table");
    }

    private sealed class Huffman(int symbols)
    {
        public readonly ushort[] Fast = new ushort[1 << FastBits]; // symbol << 4 | length; 0 = not decodable from FastBits bits
        public readonly short[] Count = new short[16];              // number of codes of each length
        public readonly short[] Symbols = new short[symbols];       // symbols ordered by code length, then value
    }

    // Canonical Huffman code from code lengths (RFC 1951 3.2.2); null, or what is wrong with the lengths.
    private static string? TryBuild(ReadOnlySpan<byte> lengths, bool codeLengthCode, out Huffman code)
    {
        code = new Huffman(lengths.Length);
        foreach (var l in lengths) code.Count[l]++;
        code.Count[0] = 0;
        var max = 0;
        for (var len = 1; len <= 15; len++) if (code.Count[len] != 0) max = len;
        var left = 1;
        for (var len = 1; len <= 15; len++)
        {
            left = (left << 1) - code.Count[len];
            if (left < 0) return "over-subscribed (more codes than the lengths allow)";
        }
        // zlib's rule: an incomplete code is allowed only when it has a single code of length 1 (and never for
        // the code length code); a code with no symbols is allowed and fails only if it is used.
        if (left > 0 && max != 0 && (codeLengthCode || max != 1)) return "incomplete (the lengths leave codes unused)";

        Span<int> offsets = stackalloc int[16];
        offsets.Clear();
        for (var len = 1; len < 15; len++) offsets[len + 1] = offsets[len] + code.Count[len];
        for (var s = 0; s < lengths.Length; s++)
            if (lengths[s] != 0) code.Symbols[offsets[lengths[s]]++] = (short)s;

        Span<int> next = stackalloc int[16];
        next.Clear();
        var c = 0;
        for (var len = 1; len <= 15; len++)
        {
            c = (c + (len == 1 ? 0 : code.Count[len - 1])) << 1;
            next[len] = c;
        }
        for (var s = 0; s < lengths.Length; s++)
        {
            int len = lengths[s];
            if (len == 0 || len > FastBits) continue;
            var reversed = 0;
            for (int v = next[len]++, i = 0; i < len; i++, v >>= 1) reversed = reversed << 1 | (v & 1);
            for (var j = reversed; j < 1 << FastBits; j += 1 << len) code.Fast[j] = (ushort)(s << 4 | len);
        }
        return null;
    }

    private static (Huffman, Huffman) BuildFixed()
    {
        var lengths = new byte[288];
        lengths.AsSpan(0, 144).Fill(8);
        lengths.AsSpan(144, 112).Fill(9);
        lengths.AsSpan(256, 24).Fill(7);
        lengths.AsSpan(280, 8).Fill(8);
        TryBuild(lengths, codeLengthCode: false, out var lit);
        var dist = new byte[32];
        dist.AsSpan().Fill(5); // 30 and 31 are never valid; decoding them is an error
        TryBuild(dist, codeLengthCode: false, out var d);
        return (lit, d);
    }

    // ---- errors ----

    private DataFormatException Truncated(string where) =>
        new($"{name}: truncated gzip file: it ends at offset {bufferStart + bufferLength} inside {where}" +
            (members > 0 ? $" of member {members} (header at offset {memberStart})." : "."));

    private DataFormatException Corrupt(string what) =>
        new($"{name}: corrupt deflate data at offset {Offset} in gzip member {members} (header at offset {memberStart}): {what}.");

    private DataFormatException HeaderError(long at, string what) =>
        new($"{name}: corrupt gzip header at offset {at}: {what}.");

    private static string Hex(int b) => b < 0 ? "end of file" : b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
}
