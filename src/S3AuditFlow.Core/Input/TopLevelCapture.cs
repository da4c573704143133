using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// Reads a record's <see cref="TopLevelFields"/> from the tokens the reader goes through anyway to find where the
/// record ends, so a record those fields decide costs one tokenizer pass and no document. Gives up (the record is
/// then parsed whole) on anything it could read differently from the parser: a value that is not an object, a
/// field given twice, an EventBridge envelope (detail-type) or a log file object (Records).
/// </summary>
/// <remarks>
/// It sees every token of every record, so it compares names as UTF-8 bytes (comparing with a .NET string
/// transcodes it on each call) and reuses a field's string while its bytes repeat (eventSource and eventName take
/// a handful of values in a whole trail).
/// </remarks>
internal sealed class TopLevelCapture
{
    /// <summary>The captured names (<see cref="TopLevelFields.Names"/>), then the names that make it give up.</summary>
    private static readonly byte[][] Names =
        [.. TopLevelFields.Names.Select(Encoding.UTF8.GetBytes), "detail-type"u8.ToArray(), "Records"u8.ToArray()];

    private readonly string?[] _values = new string?[TopLevelFields.Names.Length];
    private readonly byte[]?[] _lastBytes = new byte[]?[TopLevelFields.Names.Length];
    private readonly string?[] _lastText = new string?[TopLevelFields.Names.Length];
    private int _seen;
    private int _pending = -1;
    private bool _usable;

    /// <summary>Starts a new value.</summary>
    public void Reset()
    {
        Array.Clear(_values);
        _seen = 0;
        _pending = -1;
        _usable = true;
    }

    /// <summary>The fields, when the value was an object read without doubt.</summary>
    public TopLevelFields? Fields => _usable ? TopLevelFields.Of(_values) : null;

    /// <summary>Takes the token the reader stands on.</summary>
    public void Take(ref Utf8JsonReader reader)
    {
        if (!_usable)
            return;
        try
        {
            TakeToken(ref reader);
        }
        catch (InvalidOperationException)
        {
            // Text that does not decode (invalid UTF-8, a lone surrogate escape) in a name or value: the record is
            // repaired and parsed whole.
            _usable = false;
        }
    }

    private void TakeToken(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        if (depth == 0)
        {
            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.EndObject))
                _usable = false;
            return;
        }
        if (depth != 1)
            return;
        if (reader.TokenType != JsonTokenType.PropertyName)
        {
            if (_pending >= 0)
                _values[_pending] = Text(ref reader, _pending);
            _pending = -1;
            return;
        }
        var index = NameIndex(ref reader);
        if (index < 0)
            return;
        if (index >= _values.Length || (_seen & (1 << index)) != 0)
        {
            // An envelope or a log file object, or a name given twice (which one the document keeps is the parser's
            // business): the record is parsed whole.
            _usable = false;
            return;
        }
        _seen |= 1 << index;
        _pending = index;
    }

    /// <summary>The index of the property name the reader stands on in <see cref="Names"/>, or -1.</summary>
    private static int NameIndex(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            for (var i = 0; i < Names.Length; i++)
            {
                if (reader.ValueTextEquals(Names[i]))
                    return i;
            }
            return -1;
        }
        var name = reader.ValueSpan;
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
                return i;
        }
        return -1;
    }

    /// <summary>As <see cref="JsonFields.Text"/> reads a value.</summary>
    private string? Text(ref Utf8JsonReader reader, int field) => reader.TokenType switch
    {
        JsonTokenType.String => String(ref reader, field) is { Length: > 0 } text && text != "None" ? text : null,
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => null,
    };

    private string? String(ref Utf8JsonReader reader, int field)
    {
        // eventID (field 0) differs in every record: keeping its bytes would only cost a copy.
        if (reader.ValueIsEscaped || field == 0)
            return reader.GetString();
        var bytes = reader.ValueSpan;
        if (_lastBytes[field] is { } last && bytes.SequenceEqual(last))
            return _lastText[field];
        var text = reader.GetString();
        _lastBytes[field] = bytes.ToArray();
        _lastText[field] = text;
        return text;
    }
}
