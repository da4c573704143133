using System.Buffers;
using System.Text.Json;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// Streams JSON values out of one input without loading it whole: a CloudTrail log file ({"Records": [...]}) or a
/// top-level array yields its elements one by one; JSON Lines and concatenated values yield each value; any other
/// object (a record or an EventBridge event) is yielded as it is. Memory stays at about the largest single record.
/// </summary>
/// <remarks>
/// Broken input is reported with its line, then reading resumes at the next line that starts with '{', which is the
/// next record in JSON Lines (in a pretty-printed document nested objects are indented, so the rest of it is skipped).
/// </remarks>
public sealed class JsonRecordReader : IDisposable
{
    private const int InitialBuffer = 64 * 1024;
    private const int MaxValueBytes = 256 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
    private int _start;
    private int _end;
    private bool _eof;
    private long _line = 1;
    private long _ordinal;
    private string? _streamError;

    private readonly Func<TopLevelFields, ParseResult?>? _triage;
    private readonly TopLevelCapture _capture = new();

    /// <summary>Reads from <paramref name="stream"/>, which the caller owns.</summary>
    /// <param name="triage">
    /// Decides a record from its top-level fields (<see cref="CloudTrailParser.Triage"/>); a record it decides is
    /// yielded with that result in <see cref="RawRecord.Triaged"/> and no document. Null: every record is parsed.
    /// </param>
    public JsonRecordReader(Stream stream, Func<TopLevelFields, ParseResult?>? triage = null)
    {
        _stream = stream;
        _triage = triage;
    }

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Every value in the input, in order, with an error record in place of anything unreadable.</summary>
    public IEnumerable<RawRecord> Read()
    {
        SkipByteOrderMark();
        while (SkipWhitespace())
        {
            var first = _buffer[_start];
            var header = first == (byte)'[' ? 1 : first == (byte)'{' ? RecordsArrayHeaderLength() : 0;
            if (header > 0)
            {
                Advance(header);
                var closed = false;
                foreach (var record in ReadArrayElements(() => closed = true))
                    yield return record;
                if (closed && first == (byte)'{' && SkipRestOfObject() is { } trailingError)
                    yield return Error(trailingError.Line, trailingError.Message);
                continue;
            }

            var line = _line;
            if (!TryTakeValue(out var document, out var error, out var triaged))
            {
                yield return Error(line, error!);
                Resync();
                continue;
            }
            if (triaged is not null)
            {
                yield return new RawRecord(default, line, ++_ordinal, null) { Triaged = triaged };
                continue;
            }
            using (document)
            {
                var root = document!.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array)
                {
                    foreach (var element in records.EnumerateArray())
                        yield return new RawRecord(element, line, ++_ordinal, null);
                }
                else
                {
                    yield return new RawRecord(root, line, ++_ordinal, null);
                }
            }
        }
        if (TakeStreamError() is { } streamError)
            yield return Error(_line, streamError);
    }

    private IEnumerable<RawRecord> ReadArrayElements(Action onClosed)
    {
        while (true)
        {
            if (!SkipWhitespace())
            {
                yield return Error(_line, TakeStreamError() ?? "input ends inside an array of records");
                yield break;
            }
            var next = _buffer[_start];
            if (next == (byte)',')
            {
                Advance(1);
                continue;
            }
            if (next == (byte)']')
            {
                Advance(1);
                onClosed();
                yield break;
            }
            var line = _line;
            if (!TryTakeValue(out var document, out var error, out var triaged))
            {
                yield return Error(line, error!);
                Resync();
                yield break;
            }
            if (triaged is not null)
            {
                yield return new RawRecord(default, line, ++_ordinal, null) { Triaged = triaged };
                continue;
            }
            using (document)
                yield return new RawRecord(document!.RootElement, line, ++_ordinal, null);
        }
    }

    private RawRecord Error(long line, string message) => new(default, line, ++_ordinal, message);

    /// <summary>A broken compressed stream also looks like truncated JSON; its cause is reported once, in its place.</summary>
    private string? TakeStreamError()
    {
        var error = _streamError;
        _streamError = null;
        return error;
    }

    /// <summary>
    /// Takes one complete JSON value at the cursor, reading more input until the value is whole. The tokenizer's
    /// state is kept across refills, so each byte is tokenized once: re-scanning the value from its start after
    /// every refill made a large document whose Records key is not first cost O(n²).
    /// </summary>
    /// <remarks>With a triage, the value's top-level fields are read on the way; when they decide it, the result is
    /// in <paramref name="triaged"/> and no document is built.</remarks>
    private bool TryTakeValue(out JsonDocument? document, out string? error, out ParseResult? triaged, bool triage = true)
    {
        document = null;
        error = null;
        triaged = null;
        var capture = triage && _triage is not null ? _capture : null;
        capture?.Reset();
        var state = default(JsonReaderState);
        var scanned = 0;
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start + scanned, _end - _start - scanned), _eof, state);
            bool complete;
            try
            {
                complete = ReadToValueEnd(ref reader, capture);
            }
            catch (JsonException e)
            {
                // A broken stream also looks like truncated JSON: report the cause, once.
                error = (_eof ? TakeStreamError() : null) ?? Describe(e);
                return false;
            }
            scanned += (int)reader.BytesConsumed;
            BytesTokenized += reader.BytesConsumed;
            state = reader.CurrentState;
            if (complete)
            {
                var value = _buffer.AsMemory(_start, scanned);
                var clean = JsonTextRepair.IsClean(value.Span);
                // Text that needs repair is read whole, so every field sees the repaired text.
                if (clean && capture?.Fields is { } fields && _triage!(fields) is { } decided)
                    triaged = decided;
                else
                    document = JsonDocument.Parse(clean ? value : JsonTextRepair.Repair(value.Span));
                Advance(scanned);
                return true;
            }
            if (_eof)
            {
                error = TakeStreamError() ?? "input ends inside a JSON value";
                return false;
            }
            if (_end - _start >= MaxValueBytes)
            {
                error = $"a single JSON value is larger than {MaxValueBytes / (1024 * 1024)} MB";
                return false;
            }
            Fill();
        }
    }

    /// <summary>Reads tokens until the top-level value ends (true) or the buffered input does (false).</summary>
    private static bool ReadToValueEnd(ref Utf8JsonReader reader, TopLevelCapture? capture)
    {
        while (reader.Read())
        {
            capture?.Take(ref reader);
            // Depth 0 is the value itself: its end token, or a string, number or literal standing alone.
            if (reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                return true;
        }
        return false;
    }

    /// <summary>Bytes handed to the tokenizer so far: about twice <see cref="BytesRead"/> at most, never quadratic.</summary>
    internal long BytesTokenized { get; private set; }

    private string Describe(JsonException e)
    {
        // The reader's own position suffix is relative to this value; say the absolute line instead.
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
            message = message[..cut];
        return $"invalid JSON at line {_line + (e.LineNumber ?? 0)}: {message.TrimEnd('.', ' ')}";
    }

    /// <summary>Length of a leading {"Records": [ at the cursor, or 0: CloudTrail writes Records first, so log files stream.</summary>
    private int RecordsArrayHeaderLength()
    {
        EnsureAvailable(64);
        ReadOnlySpan<byte> span = _buffer.AsSpan(_start, _end - _start);
        var i = 1;
        i = SkipSpaces(span, i);
        if (!span[i..].StartsWith("\"Records\""u8))
            return 0;
        i = SkipSpaces(span, i + 9);
        if (i >= span.Length || span[i] != (byte)':')
            return 0;
        i = SkipSpaces(span, i + 1);
        return i < span.Length && span[i] == (byte)'[' ? i + 1 : 0;
    }

    private static int SkipSpaces(ReadOnlySpan<byte> span, int i)
    {
        while (i < span.Length && span[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            i++;
        return i;
    }

    /// <summary>After the Records array: "}" or further properties, which are skipped.</summary>
    private (long Line, string Message)? SkipRestOfObject()
    {
        while (SkipWhitespace())
        {
            var next = _buffer[_start];
            if (next == (byte)'}')
            {
                Advance(1);
                return null;
            }
            if (next is (byte)',' or (byte)':')
            {
                Advance(1);
                continue;
            }
            var line = _line;
            if (!TryTakeValue(out var document, out var error, out _, triage: false))
            {
                Resync();
                return (line, error!);
            }
            document!.Dispose();
        }
        return (_line, TakeStreamError() ?? "input ends inside the log file object");
    }

    /// <summary>Drops the line where a broken value started, then every line until one starts with '{'.</summary>
    private void Resync()
    {
        if (!SkipLine())
            return;
        while (EnsureAvailable(1) && _buffer[_start] != (byte)'{')
        {
            if (!SkipLine())
                return;
        }
    }

    private bool SkipLine()
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                Advance(newline + 1);
                return true;
            }
            Advance(_end - _start);
            if (!Fill())
                return false;
        }
    }

    private bool SkipWhitespace()
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var i = SkipSpaces(span, 0);
            Advance(i);
            if (_start < _end)
                return true;
            if (!Fill())
                return false;
        }
    }

    private void SkipByteOrderMark()
    {
        if (EnsureAvailable(3) && _buffer.AsSpan(_start, _end - _start).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            _start += 3;
    }

    private void Advance(int count)
    {
        _line += _buffer.AsSpan(_start, count).Count((byte)'\n');
        _start += count;
    }

    private bool EnsureAvailable(int count)
    {
        while (_end - _start < count && Fill())
        {
        }
        return _end > _start;
    }

    /// <summary>
    /// Reads more input after what is buffered, until the buffer is full or the input ends (a pipe returns a few KB
    /// per read, and every refill costs the caller a pass); false when nothing more came (the end, or a broken stream).
    /// </summary>
    private bool Fill()
    {
        if (_eof)
            return false;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ReturnBuffer();
            _buffer = larger;
        }
        var before = _end;
        while (_end < _buffer.Length)
        {
            int read;
            try
            {
                read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                _streamError = "unreadable input (corrupt or truncated compression?): " + e.Message;
                _eof = true;
                break;
            }
            if (read == 0)
            {
                _eof = true;
                break;
            }
            BytesRead += read;
            _end += read;
        }
        return _end > before;
    }

    /// <summary>Returns the buffer to the pool cleared: it held records (identities, IPs, keys) the next renter must not see.</summary>
    private void ReturnBuffer() => ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);

    /// <inheritdoc />
    public void Dispose()
    {
        ReturnBuffer();
        _buffer = [];
    }
}
