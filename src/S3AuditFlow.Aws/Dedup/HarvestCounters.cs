using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>The harvest one attempt counted its object on, so a failure later in the attempt can take it off again.</summary>
internal sealed class HarvestCounted
{
    public string? HarvestId { get; set; }

    public long Bytes { get; set; }
}

/// <summary>
/// The harvest item (<c>harvest#SHA256</c> of the burst key), counted by every new object of a burst exactly where
/// <see cref="Core.Dedup.InMemoryDeduplicator"/> counts it, so scan and AWS raise the same notices. It slides: a read
/// less than a window after the harvest's last read continues it, so a slow harvest stays one harvest. It holds
/// totals only (objects, bytes, first/last time, the set of sensitivity names, the first keys), never one entry per
/// event: a harvest can reach 100,000 objects. Its life:
/// <code>
/// state       when                                  a new object (event E) of the burst
/// (none)      never seen, ended or hand-broken      starts one: harvestId = E, objects = 1
/// live        expiresAt &gt; event time               objects + 1 (and lastTime, expiresAt moved when E is the latest)
/// notified    live, harvestLevel = T, harvestBy = W  as live; E notifies threshold T' &gt; T if its conditional write of
///                                                   harvestLevel = T' wins (exactly one writer does)
/// </code>
/// </summary>
internal sealed class HarvestCounters(DedupTable table, HarvestPolicy policy)
{
    /// <summary>The item id of a harvest: one per burst key, reused by the next harvest once this one ends.</summary>
    public static string ItemId(AlertCandidate candidate) => "harvest#" + Hash(candidate.BurstKey);

    private bool Harvesting => policy.Thresholds.Count > 0;

    /// <summary>
    /// Counts a new object on its harvest and returns the notice this event must send: a threshold it won, or one it
    /// had won in an attempt that died before storing its decision (<c>harvestBy</c> = this event).
    /// </summary>
    public async Task<HarvestNotice?> CountAsync(AlertCandidate candidate, HarvestCounted attempt, CancellationToken cancellationToken)
    {
        if (!Harvesting)
            return null;
        var snapshot = await CountOnHarvestAsync(candidate, cancellationToken).ConfigureAwait(false);
        attempt.HarvestId = snapshot.Counts.HarvestId;
        attempt.Bytes = Math.Max(0, candidate.Access.BytesTransferredOut ?? 0);
        var self = candidate.Access.EventId;
        if (policy.Crossed(snapshot.Counts.Objects, snapshot.Level) is { } threshold
            && await WinCrossingAsync(ItemId(candidate), snapshot.Counts.HarvestId, threshold, self, cancellationToken).ConfigureAwait(false))
            return snapshot.Notice(threshold);
        return snapshot.By == self && snapshot.Level > 0 ? snapshot.Notice(snapshot.Level) : null;
    }

    /// <summary>
    /// A retry that does not count again (its suppressed object is already a repeat on its access item) still re-emits
    /// a threshold its earlier attempt won. A conditional write, not a read: the function may only write the table.
    /// </summary>
    public async Task<HarvestNotice?> OwnNoticeAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        if (!Harvesting)
            return null;
        var mine = new UpdateItemRequest
        {
            Key = Key(ItemId(candidate)),
            UpdateExpression = "SET checkedAt = :now",
            ConditionExpression = "harvestBy = :self AND attribute_exists(harvestLevel)",
            ExpressionAttributeValues = new() { [":now"] = N(Millis(candidate.Access.EventTime)), [":self"] = S(candidate.Access.EventId) },
            ReturnValues = ReturnValue.ALL_NEW,
        };
        if (await table.TryUpdateAsync(mine, cancellationToken).ConfigureAwait(false) is not { Applied: true } won)
            return null;
        var snapshot = Snapshot(won.Attributes, ItemId(candidate));
        return snapshot.Notice(snapshot.Level);
    }

    /// <summary>Takes the attempt's object off the harvest it was counted on (a re-drive counts it again); none when it counted none.</summary>
    public static IEnumerable<UpdateItemRequest> Uncount(AlertCandidate candidate, HarvestCounted attempt)
    {
        if (attempt.HarvestId is not { } harvestId)
            yield break;
        yield return new UpdateItemRequest
        {
            Key = Key(ItemId(candidate)),
            UpdateExpression = "ADD objects :minusOne, #bytes :minusBytes",
            ConditionExpression = "harvestId = :harvest",
            ExpressionAttributeNames = new() { ["#bytes"] = "bytes" },
            ExpressionAttributeValues = new() { [":minusOne"] = N(-1), [":minusBytes"] = N(-attempt.Bytes), [":harvest"] = S(harvestId) },
        };
    }

    /// <summary>
    /// Adds the object to the harvest it continues (event time before <c>expiresAt</c>), else starts a new one, and
    /// returns the item as this write left it. An in-order read moves <c>lastTime</c> and <c>expiresAt</c>; an earlier
    /// one only counts (and may lower <c>firstTime</c>), so out-of-order reads never shrink the harvest.
    /// </summary>
    private async Task<HarvestSnapshot> CountOnHarvestAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = ItemId(candidate);
        var now = N(Millis(access.EventTime));
        var level = candidate.Classification.Level.Name();
        var bytes = N(Math.Max(0, access.BytesTransferredOut ?? 0));
        for (var race = 0; race <= DedupTable.MaxRaces; race++)
        {
            var inOrder = Count(id, "ADD objects :one, #bytes :bytes, levels :levels SET lastTime = :now, expiresAt = :until, #ttl = :ttl",
                "attribute_exists(harvestId) AND expiresAt > :now AND lastTime <= :now", now, bytes, level);
            inOrder.ExpressionAttributeNames["#ttl"] = DynamoTables.TtlAttribute;
            inOrder.ExpressionAttributeValues[":until"] = table.WindowEndOf(access.EventTime);
            inOrder.ExpressionAttributeValues[":ttl"] = table.Ttl(access.EventTime);
            if (await table.TryUpdateAsync(inOrder, cancellationToken).ConfigureAwait(false) is { Applied: true } continued)
                return await AddSampleKeyAsync(id, Snapshot(continued.Attributes, id), access.ReadObject.Key, cancellationToken).ConfigureAwait(false);

            var earlier = Count(id, "ADD objects :one, #bytes :bytes, levels :levels", "attribute_exists(harvestId) AND expiresAt > :now", now, bytes, level);
            if (await table.TryUpdateAsync(earlier, cancellationToken).ConfigureAwait(false) is { Applied: true } counted)
            {
                var snapshot = Snapshot(counted.Attributes, id);
                if (access.EventTime < snapshot.Counts.FirstTime)
                    snapshot = await LowerFirstTimeAsync(id, snapshot, access.EventTime, cancellationToken).ConfigureAwait(false);
                return await AddSampleKeyAsync(id, snapshot, access.ReadObject.Key, cancellationToken).ConfigureAwait(false);
            }

            var start = Start(candidate, id, now, bytes, level);
            if (await table.TryPutAsync(start, cancellationToken).ConfigureAwait(false))
                return Snapshot(start.Item, id);
            // Another writer started the harvest between our writes: count on it.
        }
        throw table.KeepsFailing($"harvest item {id} keeps failing every condition");
    }

    private static UpdateItemRequest Count(string id, string update, string condition, AttributeValue now, AttributeValue bytes, string level) => new()
    {
        Key = Key(id),
        UpdateExpression = update,
        ConditionExpression = condition,
        ExpressionAttributeNames = new() { ["#bytes"] = "bytes" },
        ExpressionAttributeValues = new()
        {
            [":one"] = N(1),
            [":bytes"] = bytes,
            [":levels"] = Set(level),
            [":now"] = now,
        },
        ReturnValues = ReturnValue.ALL_NEW,
    };

    /// <summary>A new harvest whose first object is this event; its event ID names the harvest.</summary>
    private PutItemRequest Start(AlertCandidate candidate, string id, AttributeValue now, AttributeValue bytes, string level)
    {
        var access = candidate.Access;
        var item = new Dictionary<string, AttributeValue>
        {
            [DynamoTables.DedupKey] = S(id),
            ["harvestId"] = S(access.EventId),
            ["principal"] = S(access.Principal.Label),
            ["source"] = S(access.Source.Label),
            ["bucket"] = S(access.ReadObject.Bucket),
            ["outcome"] = S(access.Failed ? "failed" : "succeeded"),
            ["objects"] = N(1),
            ["bytes"] = bytes,
            ["levels"] = Set(level),
            ["sampleKeys"] = new AttributeValue { L = [S(access.ReadObject.Key)] },
            ["firstTime"] = now,
            ["lastTime"] = now,
            ["expiresAt"] = table.WindowEndOf(access.EventTime),
            [DynamoTables.TtlAttribute] = table.Ttl(access.EventTime),
        };
        WithPrincipalArn(item, access);
        WithAccount(item, access);
        return DedupTable.PutUnlessLive(item, "harvestId", now);
    }

    /// <summary>The first distinct keys read, best effort: appended only while fewer than the sample size are held.</summary>
    private async Task<HarvestSnapshot> AddSampleKeyAsync(string id, HarvestSnapshot snapshot, string key, CancellationToken cancellationToken)
    {
        if (snapshot.Counts.SampleKeys.Count >= HarvestNotice.MaxSampleKeys || snapshot.Counts.SampleKeys.Contains(key))
            return snapshot;
        var append = new UpdateItemRequest
        {
            Key = Key(id),
            UpdateExpression = "SET sampleKeys = list_append(sampleKeys, :key)",
            // Distinct keys: a re-driven attempt must not list its object twice.
            ConditionExpression = "harvestId = :harvest AND size(sampleKeys) < :max AND NOT contains(sampleKeys, :keyValue)",
            ExpressionAttributeValues = new()
            {
                [":key"] = new AttributeValue { L = [S(key)] },
                [":keyValue"] = S(key),
                [":harvest"] = S(snapshot.Counts.HarvestId),
                [":max"] = N(HarvestNotice.MaxSampleKeys),
            },
        };
        return (await table.TryUpdateAsync(append, cancellationToken).ConfigureAwait(false)).Applied
            ? snapshot with { Counts = snapshot.Counts with { SampleKeys = [.. snapshot.Counts.SampleKeys, key] } }
            : snapshot;
    }

    /// <summary>An out-of-order read earlier than the harvest's first: firstTime becomes the minimum.</summary>
    private async Task<HarvestSnapshot> LowerFirstTimeAsync(string id, HarvestSnapshot snapshot, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var lower = new UpdateItemRequest
        {
            Key = Key(id),
            UpdateExpression = "SET firstTime = :time",
            ConditionExpression = "harvestId = :harvest AND firstTime > :time",
            ExpressionAttributeValues = new() { [":time"] = N(Millis(time)), [":harvest"] = S(snapshot.Counts.HarvestId) },
        };
        await table.TryUpdateAsync(lower, cancellationToken).ConfigureAwait(false);
        return snapshot with { Counts = snapshot.Counts with { FirstTime = time } };
    }

    /// <summary>
    /// One conditional write decides who notifies a threshold: it succeeds for exactly one writer, however many
    /// counted past it at once. Conditioned on the harvest too, so a harvest that ended and restarted in between is
    /// not marked by a count of the old one.
    /// </summary>
    private async Task<bool> WinCrossingAsync(string id, string harvestId, long threshold, string self, CancellationToken cancellationToken)
    {
        var win = new UpdateItemRequest
        {
            Key = Key(id),
            UpdateExpression = "SET harvestLevel = :threshold, harvestBy = :self",
            ConditionExpression = "harvestId = :harvest AND (attribute_not_exists(harvestLevel) OR harvestLevel < :threshold)",
            ExpressionAttributeValues = new() { [":threshold"] = N(threshold), [":self"] = S(self), [":harvest"] = S(harvestId) },
        };
        return (await table.TryUpdateAsync(win, cancellationToken).ConfigureAwait(false)).Applied;
    }

    private HarvestSnapshot Snapshot(Dictionary<string, AttributeValue> item, string id)
    {
        var counts = new HarvestNotice(
            table.Required(item, "harvestId", id),
            0,
            table.Required(item, "principal", id),
            Text(item, "principalArn"),
            table.Required(item, "source", id),
            table.Required(item, "bucket", id),
            table.Required(item, "outcome", id),
            Number(item, "objects"),
            Number(item, "bytes"),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(item, "firstTime")),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(item, "lastTime")),
            HarvestNoticeItem.Highest(item.TryGetValue("levels", out var levels) ? levels.SS : null),
            HarvestNoticeItem.Keys(item),
            Text(item, "account"));
        return new HarvestSnapshot(counts, Number(item, "harvestLevel"), Text(item, "harvestBy"));
    }

    /// <summary>
    /// The harvest item as one write left it: its counts (a notice whose threshold is still to be decided), the
    /// threshold last won (0 until one is) and the event that won it.
    /// </summary>
    private sealed record HarvestSnapshot(HarvestNotice Counts, long Level, string? By)
    {
        public HarvestNotice Notice(long threshold) => Counts with { Threshold = threshold };
    }
}
