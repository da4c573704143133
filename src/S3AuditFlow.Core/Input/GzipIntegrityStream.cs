using System.IO.Compression;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// Decompresses gzip and checks, at the end, that the trailer's ISIZE matches the bytes produced. .NET's GZipStream
/// simply ends when its input runs out, so a file cut between two records would otherwise lose the rest silently.
/// </summary>
/// <remarks>A file of several concatenated gzip members fails this check (the trailer speaks for the last one only); CloudTrail writes one member.</remarks>
internal sealed class GzipIntegrityStream : ReadOnlyStream
{
    private readonly TailStream _raw;
    private long _produced;
    private bool _checked;

    public GzipIntegrityStream(Stream raw)
        : this(new TailStream(raw))
    {
    }

    private GzipIntegrityStream(TailStream raw)
        : base(new GZipStream(raw, CompressionMode.Decompress)) => _raw = raw;

    public override int Read(Span<byte> buffer)
    {
        var read = Inner.Read(buffer);
        _produced += read;
        if (read == 0 && buffer.Length > 0 && !_checked)
        {
            _checked = true;
            _raw.Drain();
            var isize = _raw.Tail.Length == 8 ? BitConverter.ToUInt32(_raw.Tail, 4) : (uint?)null;
            if (isize != (uint)_produced)
                throw new InvalidDataException($"gzip data ends early: {_produced} bytes decompressed, the trailer says {(isize is null ? "nothing" : isize.ToString())} (truncated file?)");
        }
        return read;
    }

    /// <summary>Passes reads through and keeps the last 8 bytes seen: the gzip trailer once the input is drained.</summary>
    private sealed class TailStream(Stream inner) : ReadOnlyStream(inner)
    {
        private readonly byte[] _tail = new byte[8];
        private int _tailLength;

        public byte[] Tail => _tail[.._tailLength];

        public void Drain()
        {
            var scratch = new byte[8192];
            while (Read(scratch, 0, scratch.Length) > 0)
            {
            }
        }

        public override int Read(Span<byte> buffer)
        {
            var read = Inner.Read(buffer);
            Remember(buffer[..read]);
            return read;
        }

        /// <summary>Keeps the last 8 bytes of everything read, in order, in _tail[0.._tailLength).</summary>
        private void Remember(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length >= 8)
            {
                bytes[^8..].CopyTo(_tail);
                _tailLength = 8;
                return;
            }
            var keep = Math.Min(_tailLength, 8 - bytes.Length);
            Span<byte> merged = stackalloc byte[keep + bytes.Length];
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(merged);
            bytes.CopyTo(merged[keep..]);
            merged.CopyTo(_tail);
            _tailLength = merged.Length;
        }
    }
}
