using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Core.Tests.Support;

/// <summary>Returns at most <c>chunk</c> bytes per read, as pipes and network streams do, so values straddle reads.</summary>
internal sealed class ChunkedStream(byte[] data, int chunk) : ReadOnlyStream(Stream.Null)
{
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
