using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Core.Dedup;

/// <summary>What dedup decided for one candidate.</summary>
/// <param name="RepeatsEventId">The alert this candidate repeats; null for a first occurrence.</param>
/// <param name="Harvest">The harvest notification this candidate triggers (its burst reached a threshold), else null.</param>
/// <param name="SameEvent">
/// Its eventID was seen already: a redelivery of one event, not another read, so it is not counted on the alert
/// (the DynamoDB store cannot count it either: the execution holding the ID writes nothing for it).
/// </param>
public sealed record DedupDecision(bool IsFirst, string? RepeatsEventId, string Reason, HarvestNotice? Harvest = null, bool SameEvent = false);

/// <summary>
/// Dedup for one process (scan): the same eventID again, or the same access within the window after the alert it
/// repeats, is a duplicate; past <paramref name="burstLimit"/> alerts for one burst (<see cref="AlertCandidate.BurstKey"/>)
/// within the window, further objects are duplicates of the burst's first alert until the burst ends (0: no limit).
/// Every new object of a burst (alerted or counted) is also counted on its harvest (<see cref="HarvestTally"/>), which
/// raises one notification per threshold of <paramref name="harvest"/>.
/// The window is measured on eventTime; feed candidates in (eventTime, eventID, content) so the result does not
/// depend on the order files were read. The DynamoDB store applies the same rules across Lambdas.
/// What ended more than a window before the latest event is forgotten, so memory holds about two windows of accesses
/// and bursts however long the input; event IDs are remembered as long as the DynamoDB store keeps its event items
/// (<see cref="EventIdMemory"/> after their window).
/// </summary>
public sealed class InMemoryDeduplicator(TimeSpan window, int burstLimit = 0, HarvestPolicy? harvest = null)
{
    private readonly Dictionary<string, HarvestTally> _harvests = new(StringComparer.Ordinal);
    private readonly List<HarvestTally> _notifiedHarvests = [];
    // Keyed by a 128-bit hash of the event ID, not the ID: they are kept for a week of event time, and a hash costs a
    // fifth of a string (collisions are as likely as two random GUIDs being equal).
    private readonly Dictionary<UInt128, string> _alertByEventId = [];
    // Keyed by a 128-bit hash of the access key for the same reason: a harvest keeps one entry per object read for as
    // long as it lasts, and the key (principal, source, bucket, object) is a few hundred bytes as a string.
    private readonly Dictionary<UInt128, (string EventId, DateTimeOffset Until, bool ViaBurst)> _openAlerts = [];
    private readonly Dictionary<string, (string FirstEventId, DateTimeOffset Until, int Alerts)> _bursts = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset Time, UInt128 EventId)> _eventIdsByTime = new();
    private DateTimeOffset _latest = DateTimeOffset.MinValue;
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>How long after its window an event ID is still recognised: as long as DynamoDB's TTL keeps its item.</summary>
    public static readonly TimeSpan EventIdMemory = TimeSpan.FromDays(7);

    /// <summary>False only in tests that check forgetting changes no decision.</summary>
    internal bool ForgetEnded { get; init; } = true;

    /// <summary>Accesses, bursts and harvests held: forgetting keeps them to about two windows.</summary>
    internal int HeldWindows => _openAlerts.Count + _bursts.Count + _harvests.Count;

    /// <summary>Event IDs held: forgetting keeps them for <see cref="EventIdMemory"/> after their window.</summary>
    internal int HeldEventIds => _alertByEventId.Count;

    /// <summary>Decides one candidate and remembers it.</summary>
    public DedupDecision Decide(AlertCandidate candidate)
    {
        var access = candidate.Access;
        Forget(access.EventTime);
        if (_alertByEventId.TryGetValue(HashKey(access.EventId), out var seenAs))
            return new DedupDecision(false, seenAs, DedupReasons.EventSeen(access.EventId), SameEvent: true);

        var key = HashKey(candidate.AccessKey);
        if (_openAlerts.TryGetValue(key, out var open) && access.EventTime < open.Until)
        {
            Remember(access, open.EventId);
            return new DedupDecision(false, open.EventId,
                open.ViaBurst ? DedupReasons.Burst(open.EventId, burstLimit, window) : DedupReasons.Repeat(open.EventId, window));
        }

        if (burstLimit > 0)
        {
            var burstKey = candidate.BurstKey;
            if (_bursts.TryGetValue(burstKey, out var burst) && access.EventTime < burst.Until)
            {
                if (burst.Alerts >= burstLimit)
                {
                    // Repeats of this object count on the burst's alert until the burst ends, as the DynamoDB store does.
                    _openAlerts[key] = (burst.FirstEventId, burst.Until, true);
                    Remember(access, burst.FirstEventId);
                    return new DedupDecision(false, burst.FirstEventId, DedupReasons.Burst(burst.FirstEventId, burstLimit, window), CountHarvest(candidate));
                }
                _bursts[burstKey] = burst with { Alerts = burst.Alerts + 1 };
            }
            else
            {
                _bursts[burstKey] = (access.EventId, WindowEnd.After(access.EventTime, window), 1);
            }
        }

        _openAlerts[key] = (access.EventId, WindowEnd.After(access.EventTime, window), false);
        Remember(access, access.EventId);
        return new DedupDecision(true, null, "", CountHarvest(candidate));
    }

    private void Remember(Events.S3Access access, string alertEventId)
    {
        var key = HashKey(access.EventId);
        _alertByEventId[key] = alertEventId;
        _eventIdsByTime.Enqueue((access.EventTime, key));
    }

    /// <summary>
    /// Once per window of event time, drops what ended more than a window before the latest event: a margin of a
    /// whole window, so input that is only roughly in order is decided as before.
    /// </summary>
    private void Forget(DateTimeOffset time)
    {
        if (time <= _latest || !ForgetEnded)
            return;
        _latest = time;
        if (_latest - _lastSweep < window || _latest - DateTimeOffset.MinValue < window * 2)
            return;
        _lastSweep = _latest;
        var horizon = _latest - window;
        RemoveWhere(_openAlerts, open => open.Until < horizon);
        RemoveWhere(_bursts, burst => burst.Until < horizon);
        RemoveWhere(_harvests, tally => !tally.Continues(horizon, window));
        // In time order (as fed), so the oldest are at the front.
        while (_eventIdsByTime.TryPeek(out var oldest) && WindowEnd.After(oldest.Time, window + EventIdMemory) < horizon)
            _alertByEventId.Remove(_eventIdsByTime.Dequeue().EventId);
    }

    private static UInt128 HashKey(string text) => System.IO.Hashing.XxHash128.HashToUInt128(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan()));

    private static void RemoveWhere<TKey, T>(Dictionary<TKey, T> entries, Func<T, bool> ended) where TKey : notnull
    {
        foreach (var (key, value) in entries)
        {
            if (ended(value))
                entries.Remove(key);
        }
    }

    /// <summary>The harvests that reached at least one threshold, in the order they first did.</summary>
    public IReadOnlyList<HarvestTally> Harvests => _notifiedHarvests;

    /// <summary>Counts a new object on its burst's harvest; a gap of a whole window between reads starts a new harvest.</summary>
    private HarvestNotice? CountHarvest(AlertCandidate candidate)
    {
        if (harvest is null || harvest.Thresholds.Count == 0)
            return null;
        var key = candidate.BurstKey;
        if (!_harvests.TryGetValue(key, out var tally) || !tally.Continues(candidate.Access.EventTime, window))
            _harvests[key] = tally = HarvestTally.Start(candidate);
        var notice = tally.Add(candidate, harvest);
        if (notice is not null && tally.Crossed.Count == 1)
            _notifiedHarvests.Add(tally);
        return notice;
    }
}
