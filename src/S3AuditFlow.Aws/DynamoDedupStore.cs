using Amazon.DynamoDBv2;
using S3AuditFlow.Aws.Dedup;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>
/// Dedup across concurrent Lambda executions with conditional writes, the same rules as <see cref="InMemoryDeduplicator"/>.
/// One event goes through up to five items of the dedup table, each with its own class and state table:
/// <list type="number">
/// <item><see cref="EventClaims"/> (<c>event#ID</c>): the event ID is claimed once; another execution with the same ID
/// is a duplicate. Once decided, the decision (and its harvest notice) is stored there: a retry within the same
/// execution (Step Functions retries Lambda.* errors even when the function had finished) gets it back instead of
/// being judged a duplicate of itself.</item>
/// <item><see cref="AccessWindows"/> (<c>access#SHA256</c>): the first occurrence of an access opens its window; repeats
/// count on its alert.</item>
/// <item><see cref="BurstCounters"/> (<c>burst#SHA256</c>): at most <paramref name="burstLimit"/> alerts per burst and
/// window (0: no limit, no burst writes).</item>
/// <item><see cref="HarvestCounters"/> (<c>harvest#SHA256</c>): every new object of a burst, and one notice per threshold
/// of <paramref name="harvest"/> (default <see cref="HarvestPolicy.Default"/>; no thresholds: no harvest writes).</item>
/// <item><see cref="AlertItems"/> (<c>alert#ID</c>): one per alert raised, for `s3audit alerts` (listed through a
/// sparse index by day).</item>
/// </list>
/// Windows are measured on the event's time, as in `scan`. A failure after the claim undoes what the attempt did
/// (ends the window it opened, takes its object off the harvest, releases the claim), so a re-drive is judged afresh.
/// </summary>
public sealed class DynamoDedupStore : IDedupStore
{
    /// <summary>How long items outlive their window before TTL may clean them up (alerts stay listable).</summary>
    public static readonly TimeSpan Retention = InMemoryDeduplicator.EventIdMemory;

    /// <summary>An undecided claim older than this was left by an attempt that died; another execution may take it.</summary>
    /// <remarks>5 minutes, the longest an Express execution runs: an older undecided claim has no live attempt behind it.</remarks>
    public static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(5);

    private readonly DedupTable _table;
    private readonly EventClaims _claims;
    private readonly AccessWindows _accesses;
    private readonly BurstCounters? _bursts;
    private readonly HarvestCounters _harvests;

    /// <summary>A store on <paramref name="table"/>.</summary>
    public DynamoDedupStore(IAmazonDynamoDB client, string table, TimeSpan window, int burstLimit = 0, TimeProvider? time = null, HarvestPolicy? harvest = null)
    {
        _table = new DedupTable(client, table, window, Retention, time ?? TimeProvider.System);
        _claims = new EventClaims(_table, StaleClaim);
        _accesses = new AccessWindows(_table);
        _bursts = burstLimit > 0 ? new BurstCounters(_table, burstLimit) : null;
        _harvests = new HarvestCounters(_table, harvest ?? HarvestPolicy.Default);
        BurstLimit = burstLimit;
    }

    private int BurstLimit { get; }

    /// <summary>The item id of an access: a hash, since principal + source + bucket + key can exceed the key size limit.</summary>
    public static string AccessItemId(AlertCandidate candidate) => AccessWindows.ItemId(candidate);

    /// <summary>The item id of a burst (<see cref="AlertCandidate.BurstKey"/>).</summary>
    public static string BurstItemId(AlertCandidate candidate) => BurstCounters.ItemId(candidate);

    /// <summary>The item id of a harvest: one per burst key, reused by the next harvest once this one ends.</summary>
    public static string HarvestItemId(AlertCandidate candidate) => HarvestCounters.ItemId(candidate);

    /// <inheritdoc />
    public async Task<DedupDecision> RecordAsync(AlertCandidate candidate, string? executionId = null, CancellationToken cancellationToken = default)
    {
        var execution = executionId ?? "none:" + Guid.NewGuid().ToString("N");
        bool retry;
        switch (await _claims.ClaimAsync(candidate.Access, execution, cancellationToken).ConfigureAwait(false))
        {
            case EventClaim.AlreadyDecided decided:
                return decided.Decision;
            case EventClaim.HeldElsewhere held:
                return held.Decision;
            case EventClaim.Won won:
                retry = won.Retry;
                break;
            default:
                throw new InvalidOperationException("unknown event claim");
        }

        DedupDecision decision;
        var attempt = new HarvestCounted();
        try
        {
            decision = await DecideAsync(candidate, retry, attempt, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _table.BestEffortAsync(
            [
                AccessWindows.End(candidate),
                .. HarvestCounters.Uncount(candidate, attempt),
                AlertItems.Forget(candidate.Access.EventId),
                EventClaims.Release(candidate.Access.EventId, execution),
            ]).ConfigureAwait(false);
            throw;
        }
        await _table.BestEffortAsync([EventClaims.Decide(candidate.Access.EventId, execution, decision)]).ConfigureAwait(false);
        return decision;
    }

    /// <param name="retry">An earlier attempt of this execution began judging the event and stored no decision.</param>
    private async Task<DedupDecision> DecideAsync(AlertCandidate candidate, bool retry, HarvestCounted attempt, CancellationToken cancellationToken)
    {
        var recorded = await _accesses.RecordAsync(candidate, cancellationToken).ConfigureAwait(false);
        if (recorded is AccessOutcome.Opened { Previous: { Repeats: > 0 } previous })
            await _table.BestEffortAsync([AlertItems.KeepRepeats(previous.AlertId, previous.Repeats)]).ConfigureAwait(false);
        if (recorded is AccessOutcome.Repeated repeat)
        {
            // A retry lands here when its earlier attempt was suppressed: that attempt counted the object on the
            // harvest already, and a threshold it won must still be notified.
            var notice = retry ? await _harvests.OwnNoticeAsync(candidate, cancellationToken).ConfigureAwait(false) : null;
            return new DedupDecision(false, repeat.AlertId, repeat.ViaBurst
                ? DedupReasons.Burst(repeat.AlertId, BurstLimit, _table.Window)
                : DedupReasons.Repeat(repeat.AlertId, _table.Window), notice);
        }

        var burst = _bursts is null ? new BurstOutcome.Alert() : await _bursts.CountAsync(candidate, cancellationToken).ConfigureAwait(false);
        var harvested = await _harvests.CountAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);
        if (burst is not BurstOutcome.Suppressed suppressed)
        {
            // Written before the decision is returned: an alert the history cannot list would be one nobody can
            // look back on. A failure here fails the attempt, which undoes everything above.
            await _table.PutAsync(AlertItems.Write(candidate, _table), cancellationToken).ConfigureAwait(false);
            return new DedupDecision(true, null, "", harvested);
        }

        // Counted on the harvest before the access item is pointed away: a retry after a crash in between comes
        // this way again and re-reaches the crossing check.
        await _accesses.PointAtBurstAsync(candidate, suppressed.FirstEventId, suppressed.BurstEnd, cancellationToken).ConfigureAwait(false);
        return new DedupDecision(false, suppressed.FirstEventId, DedupReasons.Burst(suppressed.FirstEventId, BurstLimit, _table.Window), harvested);
    }
}
