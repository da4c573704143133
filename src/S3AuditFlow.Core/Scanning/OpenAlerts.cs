using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Scanning;

/// <summary>
/// Alerts whose repeat counts can still grow, released in time order once final. Every repeat counted on an alert
/// (a read of its access, or of its burst) is an event less than a window after the alert's own time, so
/// once dedup has reached an event a whole window later the alert is final: memory holds one window of alerts.
/// </summary>
internal sealed class OpenAlerts(TimeSpan window, Action<Alert> release)
{
    private readonly Queue<Alert> _byTime = new();
    private readonly Dictionary<string, Alert> _byEventId = new(StringComparer.Ordinal);

    /// <summary>Alerts raised so far.</summary>
    public long Count { get; private set; }

    /// <summary>Releases every alert that no event at <paramref name="now"/> or later can repeat.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        while (_byTime.TryPeek(out var oldest) && WindowEnd.After(oldest.Candidate.Access.EventTime, window) <= now)
            Release(_byTime.Dequeue());
    }

    public void Add(Alert alert)
    {
        _byTime.Enqueue(alert);
        _byEventId[alert.Candidate.Access.EventId] = alert;
        Count++;
    }

    /// <summary>Counts a repeat (another read of the access or burst, never a redelivered event ID) on its alert, which is still open.</summary>
    public void CountRepeat(string alertEventId) => _byEventId[alertEventId].CountDuplicate();

    /// <summary>Releases what is left, at the end of the scan.</summary>
    public void ReleaseAll()
    {
        while (_byTime.TryDequeue(out var alert))
            Release(alert);
    }

    private void Release(Alert alert)
    {
        _byEventId.Remove(alert.Candidate.Access.EventId);
        release(alert);
    }
}
