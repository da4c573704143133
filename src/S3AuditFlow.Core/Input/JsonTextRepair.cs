using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// Makes JSON text decodable: invalid UTF-8 becomes U+FFFD, and so does a \u escape of a lone UTF-16 surrogate
/// ("\ud800"). System.Text.Json accepts both while reading and throws only when the string (or a property name it
/// compares) is decoded, so one such value in any field used to crash the scan or drop the record. A record is read
/// with the replacement character rather than refused: an attacker who controls a field (the user agent, a key)
/// must not be able to turn a read into a malformed record that raises no alert.
/// </summary>
internal static class JsonTextRepair
{
    /// <summary>True when every string in <paramref name="json"/> decodes: valid UTF-8 and no lone surrogate escape.</summary>
    public static bool IsClean(ReadOnlySpan<byte> json) => Utf8.IsValid(json) && !HasLoneSurrogateEscape(json);

    /// <summary>A repaired copy of <paramref name="json"/>; line breaks stay where they were, so lines still count.</summary>
    public static byte[] Repair(ReadOnlySpan<byte> json)
    {
        // Encoding.UTF8 replaces each invalid sequence with U+FFFD (its default fallback); valid text passes unchanged.
        var bytes = Utf8.IsValid(json) ? json.ToArray() : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json));
        RepairEscapes(bytes);
        return bytes;
    }

    /// <summary>Rewrites every lone surrogate escape as \uFFFD, in place (both are six bytes).</summary>
    public static void RepairEscapes(Span<byte> json)
    {
        for (var i = NextEscape(json, 0); i >= 0; i = NextEscape(json, i))
        {
            var length = EscapeLength(json, i, out var lone);
            if (lone)
                "\\uFFFD"u8.CopyTo(json[i..]);
            i += length;
        }
    }

    private static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        for (var i = NextEscape(json, 0); i >= 0; i = NextEscape(json, i))
        {
            i += EscapeLength(json, i, out var lone);
            if (lone)
                return true;
        }
        return false;
    }

    private static int NextEscape(ReadOnlySpan<byte> json, int from)
    {
        if (from >= json.Length)
            return -1;
        var at = json[from..].IndexOf((byte)'\\');
        return at < 0 ? -1 : from + at;
    }

    /// <summary>
    /// Length of the escape at <paramref name="i"/> (a backslash): 2 for \n, \\ and the like, 6 for \uXXXX, 12 for a
    /// surrogate pair; <paramref name="lone"/> when it is a \uXXXX surrogate without its partner (then 6).
    /// Backslashes occur only inside strings in JSON the reader has accepted, so walking them in order cannot
    /// mistake the second half of "\\" for the start of an escape.
    /// </summary>
    private static int EscapeLength(ReadOnlySpan<byte> json, int i, out bool lone)
    {
        lone = false;
        if (i + 1 >= json.Length || json[i + 1] != (byte)'u')
            return 2;
        if (HexUnit(json, i) is not { } unit || !char.IsSurrogate((char)unit))
            return 6;
        if (char.IsHighSurrogate((char)unit) && i + 7 < json.Length && json[i + 6] == (byte)'\\' && json[i + 7] == (byte)'u'
            && HexUnit(json, i + 6) is { } next && char.IsLowSurrogate((char)next))
            return 12;
        lone = true;
        return 6;
    }

    /// <summary>The UTF-16 unit of the \uXXXX escape at <paramref name="i"/>, or null when it is cut short.</summary>
    private static int? HexUnit(ReadOnlySpan<byte> json, int i) =>
        i + 6 <= json.Length && int.TryParse(json.Slice(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit)
            ? unit
            : null;
}
