using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Core.Dedup;

/// <summary>What dedup decided for one candidate.</summary>
/// <param name="RepeatsEventId">The alert this candidate repeats; null for a first occurrence.</param>
/// <param name="Harvest">The harvest notification this candidate triggers (its burst reached a threshold), else null.</param>
public sealed record DedupDecision(bool IsFirst, string? RepeatsEventId, string Reason, HarvestNotice? Harvest = null);

/// <summary>
/// Dedup for one process (scan): the same eventID again, or the same access within the window after the alert it
/// repeats, is a duplicate; past <paramref name="burstLimit"/> alerts for one burst (<see cref="AlertCandidate.BurstKey"/>)
/// within the window, further objects are duplicates of the burst's first alert until the burst ends (0: no limit).
/// Every new object of a burst (alerted or counted) is also counted on its harvest (<see cref="HarvestTally"/>), which
/// raises one notification per threshold of <paramref name="harvest"/>.
/// The window is measured on eventTime; feed candidates in (eventTime, eventID, content) so the result does not
/// depend on the order files were read. The DynamoDB store applies the same rules across Lambdas.
/// </summary>
public sealed class InMemoryDeduplicator(TimeSpan window, int burstLimit = 0, HarvestPolicy? harvest = null)
{
    private readonly Dictionary<string, HarvestTally> _harvests = new(StringComparer.Ordinal);
    private readonly List<HarvestTally> _notifiedHarvests = [];
    private readonly Dictionary<string, string> _alertByEventId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string EventId, DateTimeOffset Until, bool ViaBurst)> _openAlerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string FirstEventId, DateTimeOffset Until, int Alerts)> _bursts = new(StringComparer.Ordinal);

    /// <summary>Decides one candidate and remembers it.</summary>
    public DedupDecision Decide(AlertCandidate candidate)
    {
        var access = candidate.Access;
        if (_alertByEventId.TryGetValue(access.EventId, out var seenAs))
            return new DedupDecision(false, seenAs, DedupReasons.EventSeen(access.EventId));

        var key = candidate.AccessKey;
        if (_openAlerts.TryGetValue(key, out var open) && access.EventTime < open.Until)
        {
            _alertByEventId[access.EventId] = open.EventId;
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
                    _alertByEventId[access.EventId] = burst.FirstEventId;
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
        _alertByEventId[access.EventId] = access.EventId;
        return new DedupDecision(true, null, "", CountHarvest(candidate));
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
