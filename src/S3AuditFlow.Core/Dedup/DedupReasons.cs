namespace S3AuditFlow.Core.Dedup;

/// <summary>The reasons dedup gives, worded alike in scan and in AWS.</summary>
public static class DedupReasons
{
    /// <summary>The same eventID again.</summary>
    public static string EventSeen(string eventId) => $"eventID {eventId} already seen";

    /// <summary>The same access within the window.</summary>
    public static string Repeat(string alertId, TimeSpan window) =>
        $"repeats alert {alertId}: same principal, source and object within {FormatWindow(window)}";

    /// <summary>Another object past the burst limit.</summary>
    public static string Burst(string alertId, int limit, TimeSpan window) =>
        $"burst: {limit} alerts already raised for this principal and source on this bucket within {FormatWindow(window)}; counted on alert {alertId}";

    /// <summary>"15 min", "1 h", "90 s".</summary>
    public static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} h"
        : window.TotalMinutes == Math.Floor(window.TotalMinutes) ? $"{window.TotalMinutes:0} min"
        : $"{window.TotalSeconds:0} s";
}
