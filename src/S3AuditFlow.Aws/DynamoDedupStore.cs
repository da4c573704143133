using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>
/// Dedup across concurrent Lambda executions with conditional writes, the same rules as <see cref="InMemoryDeduplicator"/>:
/// <list type="bullet">
/// <item>an event ID is claimed once (<c>event#ID</c>); another execution with the same ID is a duplicate;</item>
/// <item>the first occurrence of an access (<c>access#SHA256</c>) wins a conditional PutItem whose condition checks the
/// window itself, because TTL deletes expired items up to days late; repeats add to its counter;</item>
/// <item>a burst item (<c>burst#SHA256</c>) lets at most <paramref name="burstLimit"/> alerts through per window (0: no
/// limit); it records which events it let through, so a retried or resent write is recognised, never double-counted;</item>
/// <item>a harvest item (<c>harvest#SHA256</c>) counts every new object of a burst while reads keep coming within the
/// window and raises one notice per threshold of <paramref name="harvest"/> (default <see cref="HarvestPolicy.Default"/>;
/// no thresholds: no harvest writes).</item>
/// </list>
/// Windows are measured on the event's time, as in `scan`. Once decided, the decision (and its harvest notice) is
/// stored on the event item: a retry within the same execution (Step Functions retries Lambda.* errors even when the
/// function had finished) gets it back instead of being judged a duplicate of itself.
/// </summary>
public sealed partial class DynamoDedupStore(IAmazonDynamoDB client, string table, TimeSpan window, int burstLimit = 0, TimeProvider? time = null,
    HarvestPolicy? harvest = null) : IDedupStore
{
    /// <summary>How long items outlive their window before TTL may clean them up (alerts stay listable).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>An undecided claim older than this was left by an attempt that died; another execution may take it.</summary>
    /// <remarks>5 minutes, the longest an Express execution runs: an older undecided claim has no live attempt behind it.</remarks>
    public static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(5);

    private const int MaxRaces = 3;
    private static readonly TimeSpan CleanupBudget = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly HarvestPolicy _harvest = harvest ?? HarvestPolicy.Default;

    /// <inheritdoc />
    public async Task<DedupDecision> RecordAsync(AlertCandidate candidate, string? executionId = null, CancellationToken cancellationToken = default)
    {
        var access = candidate.Access;
        var execution = executionId ?? "none:" + Guid.NewGuid().ToString("N");
        var (previous, holder) = await ClaimEventIdAsync(candidate, execution, cancellationToken).ConfigureAwait(false);
        if (previous is null)
            return HeldElsewhere(access.EventId, holder);
        if (StoredDecision(previous, execution) is { } stored)
            return stored;

        DedupDecision decision;
        var attempt = new HarvestCounted();
        try
        {
            // Same execution, no stored decision: an earlier attempt died (or failed) before storing it.
            var retry = Text(previous, "executionId") == execution;
            decision = await RecordAccessAsync(candidate, retry, attempt, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await UndoAsync(candidate, attempt).ConfigureAwait(false);
            throw;
        }
        await RememberAsync(access.EventId, decision).ConfigureAwait(false);
        return decision;
    }

    /// <summary>The item id of an access: a hash, since principal + source + bucket + key can exceed the key size limit.</summary>
    public static string AccessItemId(AlertCandidate candidate) => "access#" + Hash(candidate.AccessKey);

    /// <summary>The item id of a burst (<see cref="AlertCandidate.BurstKey"/>).</summary>
    public static string BurstItemId(AlertCandidate candidate) => "burst#" + Hash(candidate.BurstKey);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Claims the event ID; returns the item as it was (empty when new), or null and the holder's item when another
    /// execution holds it. A claim may be taken again when released (its attempt failed), by the same execution (a
    /// retry), or when it was never decided and is stale (its attempt died without releasing it).
    /// </summary>
    private async Task<(Dictionary<string, AttributeValue>? Previous, Dictionary<string, AttributeValue>? Holder)> ClaimEventIdAsync(
        AlertCandidate candidate, string execution, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var claim = new UpdateItemRequest
        {
            TableName = table,
            Key = Key("event#" + candidate.Access.EventId),
            UpdateExpression = "SET executionId = :execution, eventTime = :eventTime, claimedAt = :claimedAt, #ttl = :ttl REMOVE released",
            ConditionExpression = "attribute_not_exists(#id) OR released = :true OR executionId = :execution OR (attribute_not_exists(decision) AND claimedAt < :stale)",
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey, ["#ttl"] = DynamoTables.TtlAttribute },
            ExpressionAttributeValues = new()
            {
                [":execution"] = S(execution),
                [":eventTime"] = S(Iso(candidate.Access.EventTime)),
                [":claimedAt"] = N(Millis(now)),
                [":stale"] = N(Millis(now - StaleClaim)),
                [":ttl"] = Ttl(candidate.Access.EventTime),
                [":true"] = new AttributeValue { BOOL = true },
            },
            ReturnValues = ReturnValue.ALL_OLD,
            // The holder's item comes back with the failed condition: its decision without a second read.
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
        try
        {
            var response = await StoreErrors.Guard($"writing to {table}", () => client.UpdateItemAsync(claim, cancellationToken)).ConfigureAwait(false);
            return (response.Attributes ?? [], null);
        }
        catch (ConditionalCheckFailedException held) when (held.Item is { Count: > 0 })
        {
            return (null, held.Item);
        }
        catch (ConditionalCheckFailedException)
        {
            // A store that does not return the item on a failed condition (dynalite): read it.
            var read = await StoreErrors.Guard($"reading {table}", () => client.GetItemAsync(new GetItemRequest
            {
                TableName = table,
                Key = claim.Key,
                ConsistentRead = true,
            }, cancellationToken)).ConfigureAwait(false);
            return (null, read.Item);
        }
    }

    /// <summary>
    /// Another execution holds the event ID: a duplicate of the alert that execution decided on (the alert's ID, as
    /// scan reports it); while it has not decided yet, of no known alert, and the reason says so.
    /// </summary>
    private static DedupDecision HeldElsewhere(string eventId, Dictionary<string, AttributeValue>? holder) =>
        Text(holder, "decision") is null
            ? new DedupDecision(false, null, DedupReasons.EventSeen(eventId) + "; the execution holding it has not decided it yet")
            : new DedupDecision(false, Text(holder, "alertId") ?? eventId, DedupReasons.EventSeen(eventId));

    /// <summary>The decision an earlier attempt of this execution stored, if it got that far.</summary>
    private static DedupDecision? StoredDecision(Dictionary<string, AttributeValue> previous, string execution)
    {
        if (Text(previous, "executionId") != execution || Text(previous, "decision") is not { } decision)
            return null;
        var notice = StoredNotice(previous);
        return decision == "alert"
            ? new DedupDecision(true, null, "", notice)
            : new DedupDecision(false, Text(previous, "alertId"), Text(previous, "reason") ?? "", notice);
    }

    private async Task<DedupDecision> RecordAccessAsync(AlertCandidate candidate, bool retry, HarvestCounted attempt, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = AccessItemId(candidate);
        var now = N(Millis(access.EventTime));
        for (var race = 0; ; race++)
        {
            if (await ConditionalAsync(() => client.PutItemAsync(FirstOccurrence(candidate, id, now), cancellationToken)).ConfigureAwait(false) is not null)
                return burstLimit > 0
                    ? await CheckBurstAsync(candidate, id, attempt, cancellationToken).ConfigureAwait(false)
                    : await AlertAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);

            // A live alert exists for this access: count this event on it.
            var count = new UpdateItemRequest
            {
                TableName = table,
                Key = Key(id),
                UpdateExpression = "ADD duplicates :one",
                ConditionExpression = "attribute_exists(#id) AND expiresAt > :now",
                ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
                ExpressionAttributeValues = new() { [":one"] = N(1), [":now"] = now },
                ReturnValues = ReturnValue.ALL_NEW,
            };
            if (await ConditionalAsync(() => client.UpdateItemAsync(count, cancellationToken)).ConfigureAwait(false) is { } counted)
            {
                var alertId = Required(counted.Attributes, "eventId", id);
                // A retry lands here when its earlier attempt was suppressed: that attempt counted the object on the
                // harvest already, and a threshold it won must still be notified.
                var notice = retry ? await OwnHarvestNoticeAsync(candidate, cancellationToken).ConfigureAwait(false) : null;
                return new DedupDecision(false, alertId, counted.Attributes.ContainsKey("viaBurst")
                    ? DedupReasons.Burst(alertId, burstLimit, window)
                    : DedupReasons.Repeat(alertId, window), notice);
            }
            if (race >= MaxRaces)
                throw new StoreUnavailableException($"writing to {table}: access item {id} keeps failing both conditions");
            // The alert's window ended between our two writes: try to become the first occurrence again.
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
            ["outcome"] = S(access.Outcome),
            ["severity"] = S(candidate.Severity.ToString().ToLowerInvariant()),
            ["duplicates"] = N(0),
            ["expiresAt"] = N(Millis(WindowEnd.After(access.EventTime, window))),
            [DynamoTables.TtlAttribute] = Ttl(access.EventTime),
        };
        if (access.Principal.Arn is { } arn)
            item["principalArn"] = S(arn);
        return new PutItemRequest
        {
            TableName = table,
            Item = item,
            // Items missing eventId or expiresAt (edited by hand) must not block every later alert for the access;
            // eventId = :self: a retry of the event that raised this very alert is still its first occurrence.
            ConditionExpression = "attribute_not_exists(#id) OR attribute_not_exists(eventId) OR attribute_not_exists(expiresAt) OR expiresAt <= :now OR eventId = :self",
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
            ExpressionAttributeValues = new() { [":now"] = now, [":self"] = S(access.EventId) },
        };
    }

    /// <summary>
    /// A new object for this access: an alert while its burst has let fewer than the limit through within the window;
    /// else counted on the burst's first alert, and the access item points there until the burst ends. Either way it
    /// counts on the harvest; a suppressed one before its access item is pointed away, so a retry after a crash in
    /// between comes this way again and re-reaches the crossing check.
    /// </summary>
    private async Task<DedupDecision> CheckBurstAsync(AlertCandidate candidate, string accessId, HarvestCounted attempt, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = BurstItemId(candidate);
        var now = N(Millis(access.EventTime));
        var self = S(access.EventId);
        var names = new Dictionary<string, string> { ["#id"] = DynamoTables.DedupKey };
        for (var race = 0; ; race++)
        {
            // Most objects of a harvest arrive once the burst is full: trying that first costs them one write on this hot
            // item (a write whose condition fails still uses the item's capacity). NOT contains(alerted, :self): a
            // resent or retried write must not count the same event twice.
            var suppress = BurstUpdate(id, "ADD suppressed :one", "expiresAt > :now AND alerts >= :limit AND NOT contains(alerted, :self)",
                now, self, new() { [":one"] = N(1), [":limit"] = N(burstLimit) });
            suppress.ReturnValues = ReturnValue.ALL_NEW;
            if (await ConditionalAsync(() => client.UpdateItemAsync(suppress, cancellationToken)).ConfigureAwait(false) is { } suppressed)
            {
                var firstId = Required(suppressed.Attributes, "firstEventId", id);
                var notice = await CountHarvestAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);
                await PointAtBurstAsync(accessId, access.EventId, firstId, suppressed.Attributes["expiresAt"], cancellationToken).ConfigureAwait(false);
                return new DedupDecision(false, firstId, DedupReasons.Burst(firstId, burstLimit, window), notice);
            }

            var count = BurstUpdate(id, "ADD alerts :one, alerted :selfSet", "expiresAt > :now AND alerts < :limit AND NOT contains(alerted, :self)",
                now, self, new() { [":one"] = N(1), [":selfSet"] = new AttributeValue { SS = [access.EventId] }, [":limit"] = N(burstLimit) });
            if (await ConditionalAsync(() => client.UpdateItemAsync(count, cancellationToken)).ConfigureAwait(false) is not null)
                return await AlertAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);

            // No live burst: this object starts one.
            var start = new PutItemRequest
            {
                TableName = table,
                Item = new()
                {
                    [DynamoTables.DedupKey] = S(id),
                    ["firstEventId"] = self,
                    ["alerted"] = new AttributeValue { SS = [access.EventId] },
                    ["principal"] = S(access.Principal.Label),
                    ["source"] = S(access.Source.Label),
                    ["bucket"] = S(access.ReadObject.Bucket),
                    ["alerts"] = N(1),
                    ["suppressed"] = N(0),
                    ["expiresAt"] = N(Millis(WindowEnd.After(access.EventTime, window))),
                    [DynamoTables.TtlAttribute] = Ttl(access.EventTime),
                },
                ConditionExpression = "attribute_not_exists(#id) OR attribute_not_exists(firstEventId) OR attribute_not_exists(expiresAt) OR expiresAt <= :now",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = new() { [":now"] = now },
            };
            if (await ConditionalAsync(() => client.PutItemAsync(start, cancellationToken)).ConfigureAwait(false) is not null)
                return await AlertAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);

            // Neither counted nor suppressed: either an earlier attempt already let this event through, or the burst ended.
            var mine = BurstUpdate(id, "SET checkedAt = :now", "expiresAt > :now AND contains(alerted, :self)", now, self, []);
            if (await ConditionalAsync(() => client.UpdateItemAsync(mine, cancellationToken)).ConfigureAwait(false) is not null)
                return await AlertAsync(candidate, attempt, cancellationToken).ConfigureAwait(false);
            if (race >= MaxRaces)
                throw new StoreUnavailableException($"writing to {table}: burst item {id} keeps failing every condition");
        }
    }

    private async Task<DedupDecision> AlertAsync(AlertCandidate candidate, HarvestCounted attempt, CancellationToken cancellationToken) =>
        new(true, null, "", await CountHarvestAsync(candidate, attempt, cancellationToken).ConfigureAwait(false));

    private UpdateItemRequest BurstUpdate(string id, string update, string condition, AttributeValue now, AttributeValue self, Dictionary<string, AttributeValue> values)
    {
        values[":now"] = now;
        values[":self"] = self;
        return new UpdateItemRequest
        {
            TableName = table,
            Key = Key(id),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeValues = values,
        };
    }

    /// <summary>Repeats of a suppressed object count on the burst's alert until the burst ends; only if the item is still ours.</summary>
    private async Task PointAtBurstAsync(string accessId, string eventId, string firstId, AttributeValue burstExpiresAt, CancellationToken cancellationToken)
    {
        var point = new UpdateItemRequest
        {
            TableName = table,
            Key = Key(accessId),
            UpdateExpression = "SET eventId = :first, expiresAt = :until, viaBurst = :true",
            ConditionExpression = "eventId = :self",
            ExpressionAttributeValues = new()
            {
                [":first"] = S(firstId),
                [":until"] = burstExpiresAt,
                [":true"] = new AttributeValue { BOOL = true },
                [":self"] = S(eventId),
            },
        };
        await ConditionalAsync(() => client.UpdateItemAsync(point, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the decision and its harvest notice on the event item, best effort: the access, burst and harvest writes
    /// already hold it durably, and a retry that finds no decision here re-reaches the crossing check.
    /// </summary>
    private async Task RememberAsync(string eventId, DedupDecision decision)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":decision"] = S(decision.IsFirst ? "alert" : "duplicate"),
            [":alert"] = S(decision.RepeatsEventId ?? eventId),
            [":reason"] = S(decision.Reason.Length == 0 ? "first occurrence" : decision.Reason),
        };
        var update = "SET decision = :decision, alertId = :alert, reason = :reason";
        if (decision.Harvest is { } notice)
        {
            update += ", harvest = :harvest";
            values[":harvest"] = NoticeItem(notice);
        }
        await BestEffortAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = Key("event#" + eventId),
            UpdateExpression = update,
            ExpressionAttributeValues = values,
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// After a failure mid-way: end our own access item's window (so later reads are not counted on an alert never
    /// published), take the object off the harvest it was counted on (a re-drive counts it again), and release the
    /// claim (so a re-drive of the event is judged afresh). Best effort, bounded.
    /// </summary>
    private async Task UndoAsync(AlertCandidate candidate, HarvestCounted attempt)
    {
        var access = candidate.Access;
        List<UpdateItemRequest> undo =
        [
            new()
            {
                TableName = table,
                Key = Key(AccessItemId(candidate)),
                UpdateExpression = "SET expiresAt = :zero",
                ConditionExpression = "eventId = :self",
                ExpressionAttributeValues = new() { [":zero"] = N(0), [":self"] = S(access.EventId) },
            },
            new()
            {
                TableName = table,
                Key = Key("event#" + access.EventId),
                UpdateExpression = "SET released = :true",
                ExpressionAttributeValues = new() { [":true"] = new AttributeValue { BOOL = true } },
            },
        ];
        if (attempt.HarvestId is { } harvestId)
        {
            undo.Add(new()
            {
                TableName = table,
                Key = Key(HarvestItemId(candidate)),
                UpdateExpression = "ADD objects :minusOne, #bytes :minusBytes",
                ConditionExpression = "harvestId = :harvest",
                ExpressionAttributeNames = new() { ["#bytes"] = "bytes" },
                ExpressionAttributeValues = new() { [":minusOne"] = N(-1), [":minusBytes"] = N(-attempt.Bytes), [":harvest"] = S(harvestId) },
            });
        }
        // At once, so the whole undo fits in one CleanupBudget: the Lambda loop cancels the step that long before its deadline.
        await Task.WhenAll(undo.Select(BestEffortAsync)).ConfigureAwait(false);
    }

    private async Task BestEffortAsync(UpdateItemRequest request)
    {
        using var budget = new CancellationTokenSource(CleanupBudget);
        try
        {
            await client.UpdateItemAsync(request, budget.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonDynamoDBException or Amazon.Runtime.AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            // The store is failing; the caller reports the event as not evaluated, or already holds the decision.
        }
    }

    /// <summary>The response, or null when the write's condition did not hold; other failures become StoreUnavailableException.</summary>
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

    private string Required(Dictionary<string, AttributeValue>? item, string name, string id) =>
        Text(item, name) ?? throw new StoreUnavailableException($"writing to {table}: item {id} has no {name}");

    private static string? Text(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var value) && value.S is { Length: > 0 } text ? text : null;

    private static Dictionary<string, AttributeValue> Key(string id) => new() { [DynamoTables.DedupKey] = S(id) };

    /// <summary>TTL from the later of the event's time and now: replayed old events must not be cleaned up at once.</summary>
    private AttributeValue Ttl(DateTimeOffset eventTime) =>
        N(WindowEnd.After(Max(eventTime, _time.GetUtcNow()), window + Retention).ToUnixTimeSeconds());

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
