using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Evaluation;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>What counting a new object on its burst gave.</summary>
internal abstract record BurstOutcome
{
    /// <summary>The burst had room (or this event is one it let through before): alert.</summary>
    public sealed record Alert : BurstOutcome;

    /// <summary>The burst is full: the object counts on the burst's first alert until <paramref name="BurstEnd"/>.</summary>
    public sealed record Suppressed(string FirstEventId, AttributeValue BurstEnd) : BurstOutcome;
}

/// <summary>
/// The burst item (<c>burst#SHA256</c> of principal, source, bucket): at most <c>limit</c> alerts per burst within the
/// window, further new objects suppressed onto its first alert. Its life:
/// <code>
/// state       when                                    a new object (event E) of the burst
/// (none)      never seen, expired or hand-broken      starts one: firstEventId = E, alerted = {E}, alerts = 1
/// room        expiresAt &gt; event time, alerts &lt; limit   alerts + 1, E added to alerted: an alert
/// full        expiresAt &gt; event time, alerts &gt;= limit  suppressed + 1: a duplicate of firstEventId
/// </code>
/// <c>alerted</c> records the events let through, so a resent or retried write is recognised, never counted twice.
/// </summary>
internal sealed class BurstCounters(DedupTable table, int limit)
{
    /// <summary>The item id of a burst (<see cref="AlertCandidate.BurstKey"/>).</summary>
    public static string ItemId(AlertCandidate candidate) => "burst#" + Hash(candidate.BurstKey);

    /// <summary>Counts a new object on its burst.</summary>
    public async Task<BurstOutcome> CountAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = ItemId(candidate);
        var now = N(Millis(access.EventTime));
        var self = S(access.EventId);
        for (var race = 0; race <= DedupTable.MaxRaces; race++)
        {
            // Most objects of a harvest arrive once the burst is full: trying that first costs them one write on this hot
            // item (a write whose condition fails still uses the item's capacity). NOT contains(alerted, :self): a
            // resent or retried write must not count the same event twice.
            var suppress = Update(id, "ADD suppressed :one", "expiresAt > :now AND alerts >= :limit AND NOT contains(alerted, :self)",
                now, self, new() { [":one"] = N(1), [":limit"] = N(limit) });
            suppress.ReturnValues = ReturnValue.ALL_NEW;
            if (await table.TryUpdateAsync(suppress, cancellationToken).ConfigureAwait(false) is { Applied: true } suppressed)
                return new BurstOutcome.Suppressed(table.Required(suppressed.Attributes, "firstEventId", id), suppressed.Attributes["expiresAt"]);

            var count = Update(id, "ADD alerts :one, alerted :selfSet", "expiresAt > :now AND alerts < :limit AND NOT contains(alerted, :self)",
                now, self, new() { [":one"] = N(1), [":selfSet"] = Set(access.EventId), [":limit"] = N(limit) });
            if ((await table.TryUpdateAsync(count, cancellationToken).ConfigureAwait(false)).Applied)
                return new BurstOutcome.Alert();

            if (await table.TryPutAsync(Start(candidate, id, now), cancellationToken).ConfigureAwait(false))
                return new BurstOutcome.Alert();

            // Neither counted nor suppressed: either an earlier attempt already let this event through, or the burst ended.
            var mine = Update(id, "SET checkedAt = :now", "expiresAt > :now AND contains(alerted, :self)", now, self, []);
            if ((await table.TryUpdateAsync(mine, cancellationToken).ConfigureAwait(false)).Applied)
                return new BurstOutcome.Alert();
        }
        throw table.KeepsFailing($"burst item {id} keeps failing every condition");
    }

    private PutItemRequest Start(AlertCandidate candidate, string id, AttributeValue now)
    {
        var access = candidate.Access;
        var item = new Dictionary<string, AttributeValue>
        {
            [DynamoTables.DedupKey] = S(id),
            ["firstEventId"] = S(access.EventId),
            ["alerted"] = Set(access.EventId),
            ["principal"] = S(access.Principal.Label),
            ["source"] = S(access.Source.Label),
            ["bucket"] = S(access.ReadObject.Bucket),
            ["alerts"] = N(1),
            ["suppressed"] = N(0),
            ["expiresAt"] = table.WindowEndOf(access.EventTime),
            [DynamoTables.TtlAttribute] = table.Ttl(access.EventTime),
        };
        WithAccount(item, access);
        return DedupTable.PutUnlessLive(item, "firstEventId", now);
    }

    private static UpdateItemRequest Update(string id, string update, string condition, AttributeValue now, AttributeValue self, Dictionary<string, AttributeValue> values)
    {
        values[":now"] = now;
        values[":self"] = self;
        return new UpdateItemRequest
        {
            Key = Key(id),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeValues = values,
        };
    }
}
