namespace S3AuditFlow.Core.Input;

/// <summary>Passes reads through and reports how many bytes went by, for a progress bar.</summary>
internal sealed class CountingStream(Stream inner, Action<long>? onRead) : ReadOnlyStream(inner)
{
    public override int Read(Span<byte> buffer)
    {
        var read = Inner.Read(buffer);
        if (read > 0)
            onRead?.Invoke(read);
        return read;
    }
}
