using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Evaluation;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>What recording an access in its window gave.</summary>
internal abstract record AccessOutcome
{
    /// <summary>
    /// No live alert for this access: this event opened its window (an alert unless its burst is full).
    /// <paramref name="Previous"/>: the earlier alert whose ended window it replaced, with the repeats it had counted.
    /// </summary>
    public sealed record Opened((string AlertId, long Repeats)? Previous = null) : AccessOutcome;

    /// <summary>A live alert exists for the access: the event was counted on it. <paramref name="ViaBurst"/>: the alert is its burst's first.</summary>
    public sealed record Repeated(string AlertId, bool ViaBurst) : AccessOutcome;
}

/// <summary>
/// The access item (<c>access#SHA256</c> of principal, source, bucket, key, outcome): the alert an access raised and
/// how often it repeated within the window. Its life:
/// <code>
/// state       when                                      a new event of the access
/// (none)      never seen, or expiresAt &lt;= event time    opens it: eventId = this event, expiresAt = its window end
/// open        expiresAt &gt; event time                    is counted (ADD duplicates 1) on eventId
/// via burst   the opening event's burst was full        is counted on the burst's first alert (eventId moved there,
///                                                       expiresAt = the burst's end, viaBurst)
/// ended       the opening attempt failed                expiresAt = 0: as (none)
/// </code>
/// The window is checked in the conditions, on event time: TTL deletes expired items up to days late.
/// </summary>
internal sealed class AccessWindows(DedupTable table)
{
    /// <summary>The item id of an access.</summary>
    public static string ItemId(AlertCandidate candidate) => "access#" + Hash(candidate.AccessKey);

    /// <summary>Opens the access's window with this event, or counts the event on the live alert.</summary>
    public async Task<AccessOutcome> RecordAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        var id = ItemId(candidate);
        var now = N(Millis(candidate.Access.EventTime));
        for (var race = 0; race <= DedupTable.MaxRaces; race++)
        {
            if (await table.TryPutReturningOldAsync(Open(candidate, id, now), cancellationToken).ConfigureAwait(false) is { Applied: true } opened)
                return new AccessOutcome.Opened(Replaced(opened.Attributes, candidate.Access.EventId));

            var count = new UpdateItemRequest
            {
                Key = Key(id),
                UpdateExpression = "ADD duplicates :one",
                ConditionExpression = "attribute_exists(#id) AND expiresAt > :now",
                ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
                ExpressionAttributeValues = new() { [":one"] = N(1), [":now"] = now },
                ReturnValues = ReturnValue.ALL_NEW,
            };
            if (await table.TryUpdateAsync(count, cancellationToken).ConfigureAwait(false) is { Applied: true } counted)
                return new AccessOutcome.Repeated(table.Required(counted.Attributes, "eventId", id), counted.Attributes.ContainsKey("viaBurst"));
            // The alert's window ended between our two writes: try to open it again.
        }
        throw table.KeepsFailing($"access item {id} keeps failing both conditions");
    }

    /// <summary>The alert an ended window belonged to and its repeats, when the put replaced another event's item.</summary>
    private static (string AlertId, long Repeats)? Replaced(Dictionary<string, AttributeValue> old, string self) =>
        Text(old, "eventId") is { } previous && previous != self && !old.ContainsKey("viaBurst") ? (previous, Number(old, "duplicates")) : null;

    /// <summary>Repeats of a suppressed object count on the burst's alert until the burst ends; only if the item is still this event's.</summary>
    public async Task PointAtBurstAsync(AlertCandidate candidate, string firstId, AttributeValue burstEnd, CancellationToken cancellationToken)
    {
        var point = new UpdateItemRequest
        {
            Key = Key(ItemId(candidate)),
            UpdateExpression = "SET eventId = :first, expiresAt = :until, viaBurst = :true",
            ConditionExpression = "eventId = :self",
            ExpressionAttributeValues = new()
            {
                [":first"] = S(firstId),
                [":until"] = burstEnd,
                [":true"] = True,
                [":self"] = S(candidate.Access.EventId),
            },
        };
        await table.TryUpdateAsync(point, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the window this event opened, so later reads are not counted on an alert that was never published.</summary>
    public static UpdateItemRequest End(AlertCandidate candidate) => new()
    {
        Key = Key(ItemId(candidate)),
        UpdateExpression = "SET expiresAt = :zero",
        ConditionExpression = "eventId = :self",
        ExpressionAttributeValues = new() { [":zero"] = N(0), [":self"] = S(candidate.Access.EventId) },
    };

    private PutItemRequest Open(AlertCandidate candidate, string id, AttributeValue now)
    {
        var access = candidate.Access;
        var item = Described(id, candidate);
        item["duplicates"] = N(0);
        item["expiresAt"] = table.WindowEndOf(access.EventTime);
        item[DynamoTables.TtlAttribute] = table.Ttl(access.EventTime);
        // eventId = :self: a retry of the event that raised this very alert is still its first occurrence.
        return DedupTable.PutUnlessLive(item, "eventId", now, "eventId = :self", new() { [":self"] = S(access.EventId) });
    }
}
