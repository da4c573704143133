using System.Globalization;
using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Core.Events;

/// <summary>Tolerant field access: re-serialised logs carry "None", "True" and floats where CloudTrail wrote null, true and integers.</summary>
internal static class JsonFields
{
    /// <summary>The property's text: strings as-is, numbers and booleans as their JSON text; null, absent, "" and "None" give null.</summary>
    public static string? Text(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => NullIfNone(value.GetString()),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>
    /// The property when it is a JSON object, or a string holding one (exports such as CloudTrail Lake and
    /// Athena queries stringify nested fields like requestParameters and userIdentity); else null.
    /// </summary>
    public static JsonElement? Object(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Object)
            return value;
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text && text.TrimStart().StartsWith('{'))
        {
            try
            {
                // The outer string decoded, but the JSON inside may still escape a lone surrogate ("\\ud800").
                var bytes = Encoding.UTF8.GetBytes(text);
                JsonTextRepair.RepairEscapes(bytes);
                using var document = JsonDocument.Parse(bytes);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>A byte count logged as 2232, 2232.0 or "2232".</summary>
    public static long? Long(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Number)
            return value.TryGetInt64(out var whole) ? whole : (long)value.GetDouble();
        if (value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            return (long)parsed;
        return null;
    }

    private static string? NullIfNone(string? text) => string.IsNullOrEmpty(text) || text == "None" ? null : text;
}
