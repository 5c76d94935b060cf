using System.Buffers.Binary;
using System.IO.Compression;
using Hashing = System.IO.Hashing;

namespace Snn.Data.Formats;

/// <summary>
/// A forward-only stream of the decompressed bytes of a gzip file (RFC 1952): every member's header parsed here, its
/// deflate data inflated by the platform (<see cref="DeflateStream"/>, zlib-ng), its trailer's CRC-32
/// (<see cref="Hashing.Crc32"/>) and ISIZE checked; concatenated members are read in turn and bytes after the last
/// member are an error, as is a file that ends early.
/// <para>
/// Design (issue 19): the platform's stream reads ahead, so after inflating a member the base stream is past the
/// trailer, by an unknown count (.NET 10 neither exposes the inflater's unconsumed input nor rewinds the base stream),
/// and it ends silently on truncated data. Both are settled by the stream it reads from, which counts what it serves:
/// <list type="bullet">
/// <item>the inflater asks for input only when it has consumed all it was given, so the member's deflate data ends,
/// and its trailer starts, inside the last chunk it asked for: the trailer is the first place in that chunk (or right
/// after it) holding the CRC-32 and length just computed — a file whose trailer does not match has none;</item>
/// <item>an inflater that asks for input past the end of the file had not reached the end of its final block: the
/// file is truncated.</item>
/// </list>
/// GZipStream over the whole file was not chosen: it hides member boundaries, ignores bytes after the last member and
/// ends silently on truncation. Whatever the fast path cannot accept (a bad header, corrupt deflate data, no matching
/// trailer, truncation, trailing bytes) or an input that cannot seek sends the reader to
/// <see cref="GzipDiagnosticDecoder"/>, the kit's own decoder: it re-reads the file from its start, passes over the
/// bytes already handed out and raises the <see cref="DataFormatException"/> that names the part of the file that is
/// wrong and its byte offset (header, deflate data, trailer CRC32 or ISIZE, truncation, trailing data). So valid files
/// are inflated at the platform's speed and errors read exactly as before.
/// </para>
/// The reader does not own <c>input</c>: disposing it leaves the input open. After a format error, every later read
/// raises the same <see cref="DataFormatException"/>.
/// </summary>
internal sealed class GzipReader : DecompressingStream
{
    private const int TrailerLength = 8;

    private readonly Stream input;
    private readonly string name;
    private readonly long origin;                    // input position of the file's first byte
    private readonly Feed feed;
    private readonly Hashing.Crc32 crc = new();      // of the current member's decompressed bytes
    private DeflateStream? inflater;                 // the current member's deflate data; null between members
    private long memberLength;                       // decompressed bytes of the current member so far
    private long delivered;                          // decompressed bytes handed out, all members
    private bool anyMember, ended;
    private GzipDiagnosticDecoder? diagnostics;      // once set, every read goes through it

    public GzipReader(Stream input, string name)
    {
        this.input = input;
        this.name = name;
        feed = new Feed(input);
        if (input.CanSeek) origin = input.Position;
        else diagnostics = new GzipDiagnosticDecoder(input, name); // no way back to the start for the diagnostics
    }

    /// <summary>True once a format error was raised.</summary>
    public bool Faulted => diagnostics?.Faulted == true;

    /// <summary>True once the reader left the platform's inflater for its own decoder (tests: valid files never do).</summary>
    internal bool UsedDiagnostics => diagnostics is not null;

    public override int Read(Span<byte> destination)
    {
        if (diagnostics is not null) return diagnostics.Read(destination);
        if (destination.IsEmpty || ended) return 0;
        try
        {
            while (true)
            {
                if (inflater is null)
                {
                    var header = ReadMemberHeader();
                    if (header == Header.End)
                    {
                        ended = true;
                        return 0;
                    }
                    if (header == Header.Rejected) break;
                    feed.Start(input.Position);
                    inflater = new DeflateStream(feed, CompressionMode.Decompress, leaveOpen: true);
                }
                var n = inflater.Read(destination);
                if (n > 0)
                {
                    crc.Append(destination[..n]);
                    memberLength += n;
                    delivered += n;
                    return n;
                }
                inflater.Dispose();
                inflater = null;
                if (!ReadTrailer()) break;
            }
        }
        catch (InvalidDataException)
        {
            // Corrupt deflate data: the diagnostic decoder says what and where.
        }
        return Diagnose(destination);
    }

    /// <summary>Reads and checks the rest of the file (every remaining block, trailer and member), discarding the data.</summary>
    public void VerifyToEnd()
    {
        var scratch = new byte[1 << 16];
        while (Read(scratch) > 0) { }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inflater?.Dispose();
            diagnostics?.Dispose();
        }
        base.Dispose(disposing);
    }

    private enum Header { Member, End, Rejected }

    // Checks and skips a member header (RFC 1952 2.3); the diagnostic decoder names what is wrong with a rejected one.
    private Header ReadMemberHeader()
    {
        var first = input.ReadByte();
        if (first < 0) return anyMember ? Header.End : Header.Rejected;
        anyMember = true;
        Span<byte> fixedPart = stackalloc byte[10]; // ID1 ID2 CM FLG MTIME(4) XFL OS
        fixedPart[0] = (byte)first;
        if (input.ReadAtLeast(fixedPart[1..], 9, throwOnEndOfStream: false) < 9) return Header.Rejected;
        if (fixedPart[0] != 0x1F || fixedPart[1] != 0x8B || fixedPart[2] != 8 || (fixedPart[3] & 0xE0) != 0) return Header.Rejected;
        var flags = fixedPart[3];
        var headerCrc = new Hashing.Crc32();
        headerCrc.Append(fixedPart);
        bool Next(out int b)
        {
            b = input.ReadByte();
            if (b >= 0) headerCrc.Append([(byte)b]);
            return b >= 0;
        }
        int b;
        if ((flags & 0x04) != 0) // FEXTRA
        {
            if (!Next(out var low) || !Next(out var high)) return Header.Rejected;
            for (var i = low | high << 8; i > 0; i--) if (!Next(out b)) return Header.Rejected;
        }
        if ((flags & 0x08) != 0) do { if (!Next(out b)) return Header.Rejected; } while (b != 0); // FNAME
        if ((flags & 0x10) != 0) do { if (!Next(out b)) return Header.Rejected; } while (b != 0); // FCOMMENT
        if ((flags & 0x02) != 0) // FHCRC: the two low bytes of the CRC-32 of the header so far
        {
            var expected = headerCrc.GetCurrentHashAsUInt32() & 0xFFFF;
            int low = input.ReadByte(), high = input.ReadByte();
            if (low < 0 || high < 0 || (low | high << 8) != expected) return Header.Rejected;
        }
        return Header.Member;
    }

    // After the inflater ended: finds the trailer and leaves the input right after it; false if there is none to accept.
    private bool ReadTrailer()
    {
        if (feed.PastEnd) return false; // the file ends inside the deflate data
        Span<byte> expected = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(expected[4..], (uint)memberLength);
        // The trailer starts inside the last chunk the inflater asked for, or right after it.
        var window = new byte[feed.Served - feed.LastChunkStart + TrailerLength];
        input.Position = feed.LastChunkStart;
        var read = input.ReadAtLeast(window, window.Length, throwOnEndOfStream: false);
        var at = window.AsSpan(0, read).IndexOf(expected);
        if (at < 0) return false; // CRC32 or ISIZE mismatch, or a truncated trailer
        input.Position = feed.LastChunkStart + at + TrailerLength;
        crc.Reset();
        memberLength = 0;
        return true;
    }

    // Leaves the platform's inflater: the diagnostic decoder re-reads the file from its start, passes over what was
    // already handed out (the same bytes, or its error comes first) and goes on from there.
    private int Diagnose(Span<byte> destination)
    {
        inflater?.Dispose();
        inflater = null;
        input.Position = origin;
        diagnostics = new GzipDiagnosticDecoder(input, name);
        var scratch = new byte[1 << 16];
        for (var left = delivered; left > 0;)
        {
            var n = diagnostics.Read(scratch.AsSpan(0, (int)Math.Min(scratch.Length, left)));
            if (n == 0)
                throw new InvalidOperationException($"{name}: the platform's inflater gave {delivered} bytes, the diagnostic decoder only {delivered - left}.");
            left -= n;
        }
        return diagnostics.Read(destination);
    }

    // The input as the inflater sees it: counts what it serves, so the reader knows where the inflater's last chunk
    // started and whether it asked for more after the end of the file.
    private sealed class Feed(Stream input) : Stream
    {
        public long Served { get; private set; }         // input position after the bytes served so far
        public long LastChunkStart { get; private set; } // input position of the last chunk served
        public bool PastEnd { get; private set; }        // asked for input at the end of the file

        public void Start(long position)
        {
            Served = LastChunkStart = position;
            PastEnd = false;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = input.Read(buffer);
            if (n <= 0)
            {
                PastEnd = true;
                return 0;
            }
            LastChunkStart = Served;
            Served += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
