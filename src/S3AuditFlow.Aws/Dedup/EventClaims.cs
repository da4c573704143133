using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Events;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>
/// The event item (<c>event#ID</c>): which execution judges an event ID, and what it decided. Its <c>status</c>:
/// <code>
/// status    set by                       holds                                   a claim by execution E
/// (none)    -                            -                                       wins
/// claimed   a won claim                  executionId, claimedAt                  wins if E holds it (a retry; claimedAt
///                                                                                renewed) or claimedAt is older than
///                                                                                StaleClaim (its attempt died); else
///                                                                                E's delivery is a duplicate
/// decided   the holder, once decided     decision, alertId, reason, harvest      E = executionId gets the decision back
///                                                                                (a retry); any other E is a duplicate
///                                                                                of alertId
/// released  the holder, after a failure  -                                       wins: judged afresh (a re-drive)
/// </code>
/// Only the holder moves claimed → decided or claimed → released (conditioned on <c>executionId</c>). Items written
/// before <c>status</c> existed count as decided when they hold a decision, else by the old rules (claimable when
/// <c>released</c>, ours, or stale).
/// </summary>
internal sealed class EventClaims(DedupTable table, TimeSpan staleClaim)
{
    private static readonly Dictionary<string, string> Names = new() { ["#id"] = DynamoTables.DedupKey, ["#status"] = "status" };

    /// <summary>Claims the event ID for <paramref name="execution"/>.</summary>
    public async Task<EventClaim> ClaimAsync(S3Access access, string execution, CancellationToken cancellationToken)
    {
        for (var race = 0; race <= DedupTable.MaxRaces; race++)
        {
            var now = table.Time.GetUtcNow();
            var claim = new UpdateItemRequest
            {
                Key = ItemKey(access.EventId),
                UpdateExpression = "SET #status = :claimed, executionId = :execution, eventTime = :eventTime, claimedAt = :now, #ttl = :ttl REMOVE released",
                ConditionExpression = "attribute_not_exists(#id) OR #status = :released OR (#status = :claimed AND claimedAt < :stale)"
                    // Written before status existed: claimable on the old rules (released, our own, or stale).
                    + " OR (attribute_not_exists(#status) AND attribute_not_exists(decision) AND (released = :true OR executionId = :execution OR claimedAt < :stale))",
                ExpressionAttributeNames = new(Names) { ["#ttl"] = DynamoTables.TtlAttribute },
                ExpressionAttributeValues = new()
                {
                    [":claimed"] = S(Name(ClaimStatus.Claimed)),
                    [":released"] = S(Name(ClaimStatus.Released)),
                    [":execution"] = S(execution),
                    [":eventTime"] = S(Iso(access.EventTime)),
                    [":now"] = N(Millis(now)),
                    [":stale"] = N(Millis(now - staleClaim)),
                    [":ttl"] = table.Ttl(access.EventTime),
                    [":true"] = True,
                },
            };
            var (won, item) = await table.UpdateReturningOldAsync(claim, cancellationToken).ConfigureAwait(false);
            if (!won && item.Count == 0)
                continue; // The item that failed the condition is gone by the time it was read: claim again.
            var ours = Text(item, "executionId") == execution;
            if (won)
                return new EventClaim.Won(Retry: ours);
            if (!ours)
                return new EventClaim.HeldElsewhere(HeldElsewhere(access.EventId, item));
            if (StatusOf(item) == ClaimStatus.Decided)
                return new EventClaim.AlreadyDecided(StoredDecision(item));
            // Our own live claim: an earlier attempt of this execution died or failed before deciding. Renew it, so
            // a slow retry is not taken for a dead one.
            if (await RenewAsync(access.EventId, execution, now, cancellationToken).ConfigureAwait(false))
                return new EventClaim.Won(Retry: true);
        }
        throw table.KeepsFailing($"event item for {access.EventId} keeps changing under its claim");
    }

    /// <summary>Stores the decision (and its harvest notice), best effort: the access, burst and harvest items already hold it durably.</summary>
    public static UpdateItemRequest Decide(string eventId, string execution, DedupDecision decision)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":decided"] = S(Name(ClaimStatus.Decided)),
            [":decision"] = S(decision.IsFirst ? "alert" : "duplicate"),
            [":alert"] = S(decision.RepeatsEventId ?? eventId),
            [":reason"] = S(decision.Reason.Length == 0 ? "first occurrence" : decision.Reason),
            [":execution"] = S(execution),
        };
        var update = "SET #status = :decided, decision = :decision, alertId = :alert, reason = :reason";
        if (decision.Harvest is { } notice)
        {
            update += ", harvest = :harvest";
            values[":harvest"] = HarvestNoticeItem.Write(notice);
        }
        return new UpdateItemRequest
        {
            Key = ItemKey(eventId),
            UpdateExpression = update,
            ConditionExpression = "executionId = :execution",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = values,
        };
    }

    /// <summary>
    /// Gives the claim up after a failure, so a re-drive of the event is judged afresh. <c>released</c> too: the
    /// release before <c>status</c> existed, so a rolled-back version still sees it.
    /// </summary>
    public static UpdateItemRequest Release(string eventId, string execution) => new()
    {
        Key = ItemKey(eventId),
        UpdateExpression = "SET #status = :released, released = :true",
        ConditionExpression = "executionId = :execution AND #status = :claimed",
        ExpressionAttributeNames = new() { ["#status"] = "status" },
        ExpressionAttributeValues = new()
        {
            [":released"] = S(Name(ClaimStatus.Released)),
            [":claimed"] = S(Name(ClaimStatus.Claimed)),
            [":execution"] = S(execution),
            [":true"] = True,
        },
    };

    private async Task<bool> RenewAsync(string eventId, string execution, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var renew = new UpdateItemRequest
        {
            Key = ItemKey(eventId),
            UpdateExpression = "SET claimedAt = :now",
            ConditionExpression = "executionId = :execution AND #status = :claimed",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = new()
            {
                [":now"] = N(Millis(now)),
                [":execution"] = S(execution),
                [":claimed"] = S(Name(ClaimStatus.Claimed)),
            },
        };
        return (await table.TryUpdateAsync(renew, cancellationToken).ConfigureAwait(false)).Applied;
    }

    private static Dictionary<string, AttributeValue> ItemKey(string eventId) => Key("event#" + eventId);

    private static string Name(ClaimStatus status) => status.ToString().ToLowerInvariant();

    private static ClaimStatus StatusOf(Dictionary<string, AttributeValue> item) =>
        Text(item, "status") switch
        {
            "decided" => ClaimStatus.Decided,
            "released" => ClaimStatus.Released,
            "claimed" => ClaimStatus.Claimed,
            // Written before status existed.
            _ => Text(item, "decision") is null ? ClaimStatus.Claimed : ClaimStatus.Decided,
        };

    /// <summary>
    /// Another execution holds the event ID: a duplicate of the alert that execution decided on (the alert's ID, as
    /// scan reports it); while it has not decided yet, of no known alert, and the reason says so.
    /// </summary>
    private static DedupDecision HeldElsewhere(string eventId, Dictionary<string, AttributeValue> holder) =>
        StatusOf(holder) == ClaimStatus.Decided
            ? new DedupDecision(false, Text(holder, "alertId") ?? eventId, DedupReasons.EventSeen(eventId), SameEvent: true)
            : new DedupDecision(false, null, DedupReasons.EventSeen(eventId) + "; the execution holding it has not decided it yet", SameEvent: true);

    private static DedupDecision StoredDecision(Dictionary<string, AttributeValue> item)
    {
        var notice = HarvestNoticeItem.Read(item);
        return Text(item, "decision") == "alert"
            ? new DedupDecision(true, null, "", notice)
            : new DedupDecision(false, Text(item, "alertId"), Text(item, "reason") ?? "", notice);
    }
}
