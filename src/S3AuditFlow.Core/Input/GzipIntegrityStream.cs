using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// Decompresses gzip member by member and checks each member's trailer (CRC-32 and ISIZE) against the bytes it
/// produced. .NET's GZipStream simply ends when its input runs out, so a file cut between two records would
/// otherwise lose the rest silently; and members written one after the other (`cat a.gz b.gz`, which gzip itself
/// reads as one file) are one input here too.
/// </summary>
internal sealed class GzipIntegrityStream : ReadOnlyStream
{
    private readonly MemberInput _input;
    private readonly Crc32 _crc = new();
    private DeflateStream? _member;
    private long _memberLength;
    private int _members;

    public GzipIntegrityStream(Stream raw)
        : this(new MemberInput(raw))
    {
    }

    private GzipIntegrityStream(MemberInput input)
        : base(input)
    {
        _input = input;
        StartMember();
    }

    public override int Read(Span<byte> buffer)
    {
        while (_member is not null && buffer.Length > 0)
        {
            var read = _member.Read(buffer);
            if (read > 0)
            {
                _crc.Append(buffer[..read]);
                _memberLength += read;
                return read;
            }
            EndMember();
        }
        return 0;
    }

    private void StartMember()
    {
        _input.SkipHeader();
        _member = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        _crc.Reset();
        _memberLength = 0;
        _members++;
    }

    private void EndMember()
    {
        _member!.Dispose();
        _member = null;
        if (_input.ConsumeTrailer(_crc.GetCurrentHashAsUInt32(), (uint)_memberLength, _members, _memberLength))
            StartMember();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _member?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// The compressed bytes, buffered so that when a member's deflate data ends its trailer can be found: DeflateStream
    /// reads ahead and does not say where the deflate data stopped, only that it did, so the trailer is looked for
    /// among the bytes handed to it last (it asks for more only once it has used all it was given).
    /// </summary>
    private sealed class MemberInput(Stream raw) : ReadOnlyStream(raw)
    {
        /// <summary>At most this much is handed to the inflater per read.</summary>
        private const int Chunk = 16 * 1024;

        /// <summary>Bytes already handed that stay buffered for the trailer search (several chunks, to spare).</summary>
        private const int Kept = 4 * Chunk;

        private readonly byte[] _buffer = new byte[Kept + 4 * Chunk];
        private int _pos;
        private int _end;
        private bool _eof;

        /// <summary>Where the current member's deflate data starts: its trailer cannot start before.</summary>
        private int _dataStart;

        public override int Read(Span<byte> buffer)
        {
            if (_pos == _end && !Fill(1))
                return 0;
            var n = Math.Min(Math.Min(buffer.Length, _end - _pos), Chunk);
            _buffer.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }

        /// <summary>Reads a member header (RFC 1952 §2.3) up to its deflate data.</summary>
        public void SkipHeader()
        {
            if (Next() != 0x1f || Next() != 0x8b)
                throw new InvalidDataException("not a gzip member (bad magic bytes)");
            if (Next() != 8)
                throw new InvalidDataException("gzip member is not deflate-compressed");
            var flags = Next();
            Skip(6); // MTIME, XFL, OS
            if ((flags & 0x04) != 0)
                Skip(Next() | (Next() << 8)); // FEXTRA
            if ((flags & 0x08) != 0)
                SkipPastZero(); // FNAME
            if ((flags & 0x10) != 0)
                SkipPastZero(); // FCOMMENT
            if ((flags & 0x02) != 0)
                Skip(2); // FHCRC
            _dataStart = _pos;
        }

        /// <summary>
        /// After a member's deflate data ended: finds the trailer that matches what the member produced and moves past
        /// it. True when another member follows, false at the end of the input.
        /// </summary>
        /// <exception cref="InvalidDataException">No such trailer: the input was cut, or the data is corrupt.</exception>
        public bool ConsumeTrailer(uint crc, uint isize, int member, long length)
        {
            // The deflate data ended at some handed position p <= _pos; 8 trailer bytes and 2 magic bytes may follow.
            Fill(10);
            var sizeMatched = false;
            for (var p = Math.Max(_dataStart, _pos - Kept); p <= _pos && p + 8 <= _end; p++)
            {
                var trailer = _buffer.AsSpan(p, 8);
                if (BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) != isize)
                    continue;
                var next = p + 8;
                var atEnd = next == _end && _eof;
                if (!atEnd && !(next + 2 <= _end && _buffer[next] == 0x1f && _buffer[next + 1] == 0x8b))
                    continue;
                if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != crc)
                {
                    sizeMatched = true;
                    continue;
                }
                _pos = next;
                return !atEnd;
            }
            throw new InvalidDataException(sizeMatched
                ? $"gzip member {member} fails its CRC-32 check (corrupt data)"
                : $"gzip data ends early: member {member} stops after {length} bytes without a matching trailer (truncated file?)");
        }

        private int Next()
        {
            if (_pos == _end && !Fill(1))
                throw new InvalidDataException("gzip member header cut short (truncated file?)");
            return _buffer[_pos++];
        }

        private void Skip(int count)
        {
            for (var i = 0; i < count; i++)
                Next();
        }

        private void SkipPastZero()
        {
            while (Next() != 0)
            {
            }
        }

        /// <summary>Makes <paramref name="count"/> unread bytes available unless the input ends first; false then.</summary>
        private bool Fill(int count)
        {
            while (_end - _pos < count && !_eof)
            {
                if (_end == _buffer.Length)
                    Compact();
                var read = Inner.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                    _eof = true;
                else
                    _end += read;
            }
            return _end - _pos >= count;
        }

        /// <summary>Drops what is older than the last <see cref="Kept"/> handed bytes, moving the rest to the front.</summary>
        private void Compact()
        {
            var from = Math.Max(0, _pos - Kept);
            Buffer.BlockCopy(_buffer, from, _buffer, 0, _end - from);
            _pos -= from;
            _end -= from;
            _dataStart = Math.Max(0, _dataStart - from);
        }
    }
}
