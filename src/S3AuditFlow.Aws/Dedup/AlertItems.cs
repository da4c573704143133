using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Trust;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>
/// The alert item (<c>alert#EVENTID</c>): one per alert, written when dedup decides an event is one (before Publish
/// Alert: an alert whose publishing failed is listed while it waits in the replay queue), so
/// `s3audit alerts` can list a window's alerts after their access items were reused by later alerts. Only these items
/// carry <see cref="DynamoTables.AlertDay"/>, so the <see cref="DynamoTables.AlertsIndex"/> index holds alerts and
/// nothing else (a sparse index: listing a day reads that day's alerts, never the whole table).
/// </summary>
internal static class AlertItems
{
    /// <summary>The item id of the alert raised by <paramref name="eventId"/>.</summary>
    public static string ItemId(string eventId) => "alert#" + eventId;

    /// <summary>The index partition of an alert: its event's UTC day.</summary>
    public static string Day(DateTimeOffset eventTime) => eventTime.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The index sort key: event time, then event ID, so two alerts of one millisecond both list.</summary>
    public static string At(DateTimeOffset eventTime, string eventId) => Iso(eventTime) + "#" + eventId;

    /// <summary>The put of the alert item (a retry rewrites the same item).</summary>
    public static PutItemRequest Write(AlertCandidate candidate, DedupTable table)
    {
        var access = candidate.Access;
        var item = Described(ItemId(access.EventId), candidate);
        item["reasons"] = new AttributeValue { L = candidate.Reasons.Select(S).ToList() };
        item["accessId"] = S(AccessWindows.ItemId(candidate));
        item["harvestId"] = S(HarvestCounters.ItemId(candidate));
        item[DynamoTables.AlertDay] = S(Day(access.EventTime));
        item[DynamoTables.AlertAt] = S(At(access.EventTime, access.EventId));
        item[DynamoTables.TtlAttribute] = table.Ttl(access.EventTime);
        Optional(item, "accountAlias", candidate.AccountAlias);
        Optional(item, "region", access.Region);
        var trust = NarrowestTrust.For(access);
        Optional(item, "trustPrincipal", trust.Principal);
        Optional(item, "trustSource", trust.Source);
        Optional(item, "trustRefusal", trust.Refusal);
        return new PutItemRequest { Item = item };
    }

    /// <summary>Removes the item of an alert whose attempt failed: it was never published.</summary>
    public static UpdateItemRequest Forget(string eventId) => new()
    {
        Key = Key(ItemId(eventId)),
        // An update, so it joins the other best-effort cleanups; removing the index keys takes it out of every listing.
        UpdateExpression = "REMOVE #day, #at",
        // An update of a missing item would create one: only an alert item this attempt wrote is touched.
        ConditionExpression = "attribute_exists(#id)",
        ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey, ["#day"] = DynamoTables.AlertDay, ["#at"] = DynamoTables.AlertAt },
    };

    /// <summary>
    /// Keeps the final repeat count on an alert whose access item a later alert reopened: the count lived on the
    /// access item, which now counts the new alert's repeats.
    /// </summary>
    public static UpdateItemRequest KeepRepeats(string eventId, long repeats) => new()
    {
        Key = Key(ItemId(eventId)),
        UpdateExpression = "SET repeats = :n",
        ConditionExpression = "attribute_exists(#id)",
        ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
        ExpressionAttributeValues = new() { [":n"] = N(repeats) },
    };

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            item[name] = S(value);
    }
}
