namespace S3AuditFlow.Core.Input;

/// <summary>Base of the forward-only, read-only wrappers the readers stack: only Read is theirs to write.</summary>
/// <remarks>Public for the adapters' streams (an S3 object's body) to be built the same way.</remarks>
public abstract class ReadOnlyStream(Stream inner) : Stream
{
    /// <summary>The stream read from, disposed with this one.</summary>
    protected Stream Inner { get; } = inner;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Inner.Dispose();
        base.Dispose(disposing);
    }
}
