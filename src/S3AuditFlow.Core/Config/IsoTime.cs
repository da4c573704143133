using System.Globalization;

namespace S3AuditFlow.Core.Config;

/// <summary>
/// ISO 8601 times as config files and table items write them. Only ISO forms are accepted: a lenient parser reads
/// "03/04/2025" as 4 March, silently moving an expiry.
/// </summary>
public static class IsoTime
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
    ];

    /// <summary>Parses an ISO 8601 date or date-time; without an offset it is UTC.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>"2026-12-31T00:00:00Z".</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
