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
internal sealed class TopLevelCapture
{
    private readonly string?[] _values = new string?[TopLevelFields.Names.Length];
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
        if (_pending >= 0 && depth == 1 && reader.TokenType != JsonTokenType.PropertyName)
        {
            _values[_pending] = Text(ref reader);
            _pending = -1;
            return;
        }
        if (depth != 1 || reader.TokenType != JsonTokenType.PropertyName)
            return;
        if (reader.ValueTextEquals("detail-type"u8) || reader.ValueTextEquals("Records"u8))
        {
            _usable = false;
            return;
        }
        var names = TopLevelFields.Names;
        for (var i = 0; i < names.Length; i++)
        {
            if (!reader.ValueTextEquals(names[i]))
                continue;
            if ((_seen & (1 << i)) != 0)
                _usable = false; // Given twice: which one the document keeps is the parser's business.
            _seen |= 1 << i;
            _pending = i;
            return;
        }
    }

    /// <summary>As <see cref="JsonFields.Text"/> reads a value.</summary>
    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString() is { Length: > 0 } text && text != "None" ? text : null,
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => null,
    };
}
