using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Dedup;

/// <summary>What dedup decided for one candidate.</summary>
/// <param name="RepeatsEventId">The alert this candidate repeats; null for a first occurrence.</param>
public sealed record DedupDecision(bool IsFirst, string? RepeatsEventId, string Reason);

/// <summary>
/// Dedup for one process (scan): the same eventID again, or the same access within the window after the alert it
/// repeats, is a duplicate. The window is measured on eventTime; feed candidates in (eventTime, input order) so the
/// result does not depend on the order files were read. The DynamoDB store applies the same rule across Lambdas.
/// </summary>
public sealed class InMemoryDeduplicator(TimeSpan window)
{
    private readonly Dictionary<string, string> _alertByEventId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string EventId, DateTimeOffset Until)> _openAlerts = new(StringComparer.Ordinal);

    /// <summary>Decides one candidate and remembers it.</summary>
    public DedupDecision Decide(AlertCandidate candidate)
    {
        var access = candidate.Access;
        if (_alertByEventId.TryGetValue(access.EventId, out var seenAs))
            return new DedupDecision(false, seenAs, $"eventID {access.EventId} already seen");

        var key = candidate.AccessKey;
        if (_openAlerts.TryGetValue(key, out var open) && access.EventTime < open.Until)
        {
            _alertByEventId[access.EventId] = open.EventId;
            return new DedupDecision(false, open.EventId,
                $"repeats alert {open.EventId}: same principal, source and object within {FormatWindow(window)}");
        }

        _openAlerts[key] = (access.EventId, access.EventTime + window);
        _alertByEventId[access.EventId] = access.EventId;
        return new DedupDecision(true, null, "");
    }

    /// <summary>"15 min", "1 h", "90 s".</summary>
    public static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} h"
        : window.TotalMinutes == Math.Floor(window.TotalMinutes) ? $"{window.TotalMinutes:0} min"
        : $"{window.TotalSeconds:0} s";
}
