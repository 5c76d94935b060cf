namespace Snn.Data.Formats;

/// <summary>
/// A forward-only, read-only stream of decompressed bytes (the gzip readers): everything but reading is unsupported,
/// and the length is known only at the end. Subclasses implement <see cref="Read(Span{byte})"/>.
/// </summary>
internal abstract class DecompressingStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("A gzip stream's decompressed length is known only at its end.");
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public abstract override int Read(Span<byte> destination);
}
