using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Scanning;

/// <summary>
/// An alert candidate waiting for dedup, with what orders it: (eventTime, eventID, content hash), then input and
/// position for identical bytes, where the order cannot change an alert.
/// </summary>
/// <param name="Candidate">The evaluated candidate; null once spilled to disk, until read back and evaluated again.</param>
/// <param name="Record">The record's bytes as read: what a spilled candidate is evaluated again from.</param>
/// <param name="ContentHash">SHA-256 of <paramref name="Record"/>.</param>
internal sealed record PendingCandidate(
    DateTimeOffset EventTime, string EventId, byte[] ContentHash, int Input, long Ordinal, byte[] Record, AlertCandidate? Candidate, VerdictLine? Line)
{
    /// <summary>
    /// Bytes this entry holds in memory, roughly: its record's bytes and the candidate built from them, whose strings
    /// are UTF-16 and whose reasons repeat the names (measured: about 4.7 KB of process memory per candidate of a
    /// 1.1 KB record, bench/run.sh alert-heavy; counting the record twice over under-counted by half).
    /// </summary>
    public long Footprint => 4L * Record.Length + 512;

    /// <summary>The dedup order.</summary>
    public static readonly IComparer<PendingCandidate> Order = Comparer<PendingCandidate>.Create(static (a, b) =>
    {
        var c = a.EventTime.UtcTicks.CompareTo(b.EventTime.UtcTicks);
        if (c == 0)
            c = string.CompareOrdinal(a.EventId, b.EventId);
        if (c == 0)
            c = a.ContentHash.AsSpan().SequenceCompareTo(b.ContentHash);
        if (c == 0)
            c = a.Input.CompareTo(b.Input);
        return c != 0 ? c : a.Ordinal.CompareTo(b.Ordinal);
    });
}
