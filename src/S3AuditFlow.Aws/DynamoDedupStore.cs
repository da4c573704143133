using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>
/// Dedup across concurrent Lambda executions with conditional writes. The same eventID twice is a duplicate
/// (idempotency item). The first occurrence of an access wins a conditional PutItem whose condition checks the
/// window itself (attribute_not_exists OR expiresAt &lt;= :now), because TTL deletes expired items up to days late;
/// later occurrences add to its counter. Time is the event's time, as in `scan`, so replays decide alike.
/// </summary>
/// <param name="burstLimit">At most this many alerts per principal, source and bucket within the window (a burst
/// item counts them); further objects are counted on the burst's first alert. 0: no limit.</param>
public sealed class DynamoDedupStore(IAmazonDynamoDB client, string table, TimeSpan window, int burstLimit = 0) : IDedupStore
{
    /// <summary>How long items outlive their window before TTL may clean them up (alerts stay listable).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private const int MaxRaces = 3;

    /// <inheritdoc />
    /// <remarks>
    /// A retry within the same execution (Step Functions retries Lambda.* errors even when the function finished)
    /// finds its own claim and its own alert item and is judged the first occurrence again, so the alert is
    /// published (possibly twice) rather than lost; the same event ID in another execution is a duplicate.
    /// </remarks>
    public async Task<DedupDecision> RecordAsync(AlertCandidate candidate, string? executionId = null, CancellationToken cancellationToken = default)
    {
        var access = candidate.Access;
        if (!await ClaimEventIdAsync(candidate, executionId ?? "none:" + Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false))
            return new DedupDecision(false, access.EventId, DedupReasons.EventSeen(access.EventId));
        try
        {
            return await RecordAccessAsync(candidate, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Release the event ID so a later re-drive of this event (after the outage) is judged afresh.
            await ReleaseEventIdAsync(access.EventId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The item id of an access: a hash, since principal + source + bucket + key can exceed the key size limit.</summary>
    public static string AccessItemId(AlertCandidate candidate) => "access#" + Hash(candidate.AccessKey);

    /// <summary>The item id of a burst (principal, source, bucket, outcome).</summary>
    public static string BurstItemId(AlertCandidate candidate) => "burst#" + Hash(candidate.BurstKey);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task<bool> ClaimEventIdAsync(AlertCandidate candidate, string executionId, CancellationToken cancellationToken)
    {
        var request = new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [DynamoTables.DedupKey] = S("event#" + candidate.Access.EventId),
                ["eventTime"] = S(Iso(candidate.Access.EventTime)),
                ["executionId"] = S(executionId),
                [DynamoTables.TtlAttribute] = N(Seconds(candidate.Access.EventTime + window + Retention)),
            },
            // A released claim (its attempt failed mid-way) may be taken again, and so may our own (a retry).
            ConditionExpression = "attribute_not_exists(#id) OR released = :true OR executionId = :execution",
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
            ExpressionAttributeValues = new() { [":true"] = new AttributeValue { BOOL = true }, [":execution"] = S(executionId) },
        };
        try
        {
            await StoreErrors.Guard($"writing to {table}", () => client.PutItemAsync(request, cancellationToken)).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Marks the claim released (an update, so the function needs no DeleteItem permission).</summary>
    private async Task ReleaseEventIdAsync(string eventId)
    {
        try
        {
            await client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [DynamoTables.DedupKey] = S("event#" + eventId) },
                UpdateExpression = "SET released = :true",
                ExpressionAttributeValues = new() { [":true"] = new AttributeValue { BOOL = true } },
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonDynamoDBException or Amazon.Runtime.AmazonClientException or HttpRequestException or TaskCanceledException)
        {
            // The store is down; the caller already reports the event as not evaluated.
        }
    }

    private async Task<DedupDecision> RecordAccessAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = AccessItemId(candidate);
        var now = N(Millis(access.EventTime));
        for (var race = 0; ; race++)
        {
            try
            {
                await StoreErrors.Guard($"writing to {table}", () => client.PutItemAsync(FirstOccurrence(candidate, id, now), cancellationToken)).ConfigureAwait(false);
                return burstLimit > 0 ? await CheckBurstAsync(candidate, id, now, cancellationToken).ConfigureAwait(false) : new DedupDecision(true, null, "");
            }
            catch (ConditionalCheckFailedException)
            {
                // A live alert exists for this access: count this event on it.
            }
            var update = new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [DynamoTables.DedupKey] = S(id) },
                UpdateExpression = "ADD duplicates :one",
                ConditionExpression = "attribute_exists(#id) AND expiresAt > :now",
                ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
                ExpressionAttributeValues = new() { [":one"] = N(1), [":now"] = now },
                ReturnValues = ReturnValue.ALL_NEW,
            };
            try
            {
                var updated = await StoreErrors.Guard($"writing to {table}", () => client.UpdateItemAsync(update, cancellationToken)).ConfigureAwait(false);
                var alertId = updated.Attributes["eventId"].S;
                return new DedupDecision(false, alertId, DedupReasons.Repeat(alertId, window));
            }
            catch (ConditionalCheckFailedException) when (race < MaxRaces)
            {
                // The alert's window ended between our two writes: try to become the first occurrence again.
            }
            catch (ConditionalCheckFailedException e)
            {
                throw new StoreUnavailableException($"writing to {table}: access item {id} keeps failing both conditions", e);
            }
        }
    }

    /// <summary>
    /// A new object for this access: an alert while its burst (principal, source, bucket) has raised fewer than the
    /// limit within the window; else counted on the burst's first alert, and the access item points there too.
    /// </summary>
    private async Task<DedupDecision> CheckBurstAsync(AlertCandidate candidate, string accessId, AttributeValue now, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = BurstItemId(candidate);
        var names = new Dictionary<string, string> { ["#id"] = DynamoTables.DedupKey };
        for (var race = 0; ; race++)
        {
            var start = new PutItemRequest
            {
                TableName = table,
                Item = new()
                {
                    [DynamoTables.DedupKey] = S(id),
                    ["firstEventId"] = S(access.EventId),
                    ["principal"] = S(access.Principal.Label),
                    ["source"] = S(access.Source.Label),
                    ["bucket"] = S(access.ReadObject.Bucket),
                    ["alerts"] = N(1),
                    ["suppressed"] = N(0),
                    ["expiresAt"] = N(Millis(access.EventTime + window)),
                    [DynamoTables.TtlAttribute] = N(Seconds(access.EventTime + window + Retention)),
                },
                ConditionExpression = "attribute_not_exists(#id) OR expiresAt <= :now OR firstEventId = :self",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = new() { [":now"] = now, [":self"] = S(access.EventId) },
            };
            if (await ConditionalAsync(() => client.PutItemAsync(start, cancellationToken)).ConfigureAwait(false) is not null)
                return new DedupDecision(true, null, "");

            var count = new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [DynamoTables.DedupKey] = S(id) },
                UpdateExpression = "ADD alerts :one",
                ConditionExpression = "expiresAt > :now AND alerts < :limit",
                ExpressionAttributeValues = new() { [":one"] = N(1), [":now"] = now, [":limit"] = N(burstLimit) },
            };
            if (await ConditionalAsync(() => client.UpdateItemAsync(count, cancellationToken)).ConfigureAwait(false) is not null)
                return new DedupDecision(true, null, "");

            var suppress = new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [DynamoTables.DedupKey] = S(id) },
                UpdateExpression = "ADD suppressed :one",
                ConditionExpression = "expiresAt > :now",
                ExpressionAttributeValues = new() { [":one"] = N(1), [":now"] = now },
                ReturnValues = ReturnValue.ALL_NEW,
            };
            if (await ConditionalAsync(() => client.UpdateItemAsync(suppress, cancellationToken)).ConfigureAwait(false) is { } suppressed)
            {
                var firstId = suppressed.Attributes["firstEventId"].S;
                var pointAtBurst = new UpdateItemRequest
                {
                    TableName = table,
                    Key = new() { [DynamoTables.DedupKey] = S(accessId) },
                    UpdateExpression = "SET eventId = :first",
                    ExpressionAttributeValues = new() { [":first"] = S(firstId) },
                };
                await StoreErrors.Guard($"writing to {table}", () => client.UpdateItemAsync(pointAtBurst, cancellationToken)).ConfigureAwait(false);
                return new DedupDecision(false, firstId, DedupReasons.Burst(firstId, burstLimit, window));
            }
            if (race >= MaxRaces)
                throw new StoreUnavailableException($"writing to {table}: burst item {id} keeps failing every condition");
            // The burst's window ended between our writes: try to start the next one.
        }
    }

    /// <summary>The response, or null when the write's condition did not hold.</summary>
    private async Task<T?> ConditionalAsync<T>(Func<Task<T>> write)
        where T : class
    {
        try
        {
            return await StoreErrors.Guard($"writing to {table}", write).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private PutItemRequest FirstOccurrence(AlertCandidate candidate, string id, AttributeValue now)
    {
        var access = candidate.Access;
        var item = new Dictionary<string, AttributeValue>
        {
            [DynamoTables.DedupKey] = S(id),
            ["eventId"] = S(access.EventId),
            ["eventTime"] = S(Iso(access.EventTime)),
            ["eventName"] = S(access.EventName),
            ["principal"] = S(access.Principal.Label),
            ["source"] = S(access.Source.Label),
            ["bucket"] = S(access.ReadObject.Bucket),
            ["key"] = S(access.ReadObject.Key),
            ["severity"] = S(candidate.Severity.ToString().ToLowerInvariant()),
            ["duplicates"] = N(0),
            ["expiresAt"] = N(Millis(access.EventTime + window)),
            [DynamoTables.TtlAttribute] = N(Seconds(access.EventTime + window + Retention)),
        };
        if (access.Principal.Arn is { } arn)
            item["principalArn"] = S(arn);
        return new PutItemRequest
        {
            TableName = table,
            Item = item,
            // An item without expiresAt (edited by hand) would block every alert for the access: overwrite it.
            // eventId = :self: a retry of the event that raised this very alert is still its first occurrence.
            ConditionExpression = "attribute_not_exists(#id) OR attribute_not_exists(expiresAt) OR expiresAt <= :now OR eventId = :self",
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
            ExpressionAttributeValues = new() { [":now"] = now, [":self"] = S(access.EventId) },
        };
    }

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static long Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds();

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
