using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>
/// The harvest item (<c>harvest#SHA256</c> of the burst key), counted by every new object of a burst exactly where
/// <see cref="Core.Dedup.InMemoryDeduplicator"/> counts it, so scan and AWS raise the same notices. It slides: a read
/// less than a window after the harvest's last read continues it, so a slow harvest stays one harvest. It holds
/// totals only (objects, bytes, first/last time, the set of sensitivity names, the first keys), never one entry per
/// event: a harvest can reach 100,000 objects. Each threshold is won by one conditional write (<c>harvestLevel</c>,
/// <c>harvestBy</c>); the winner notifies.
/// </summary>
public sealed partial class DynamoDedupStore
{
    /// <summary>The item id of a harvest: one per burst key, reused by the next harvest once this one ends.</summary>
    public static string HarvestItemId(AlertCandidate candidate) => "harvest#" + Hash(candidate.BurstKey);

    private bool Harvesting => _harvest.Thresholds.Count > 0;

    /// <summary>
    /// Counts a new object on its harvest and returns the notice this event must send: a threshold it won, or one it
    /// had won in an attempt that died before storing its decision (<c>harvestBy</c> = this event).
    /// </summary>
    private async Task<HarvestNotice?> CountHarvestAsync(AlertCandidate candidate, HarvestCounted attempt, CancellationToken cancellationToken)
    {
        if (!Harvesting)
            return null;
        var snapshot = await CountOnHarvestAsync(candidate, cancellationToken).ConfigureAwait(false);
        attempt.HarvestId = snapshot.Counts.HarvestId;
        attempt.Bytes = Math.Max(0, candidate.Access.BytesTransferredOut ?? 0);
        var self = candidate.Access.EventId;
        if (_harvest.Crossed(snapshot.Counts.Objects, snapshot.Level) is { } threshold
            && await WinCrossingAsync(HarvestItemId(candidate), snapshot.Counts.HarvestId, threshold, self, cancellationToken).ConfigureAwait(false))
            return snapshot.Notice(threshold);
        return snapshot.By == self && snapshot.Level > 0 ? snapshot.Notice(snapshot.Level) : null;
    }

    /// <summary>
    /// A retry that does not count again (its suppressed object is already a repeat on its access item) still re-emits
    /// a threshold its earlier attempt won. A conditional write, not a read: the function may only write the table.
    /// </summary>
    private async Task<HarvestNotice?> OwnHarvestNoticeAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        if (!Harvesting)
            return null;
        var mine = new UpdateItemRequest
        {
            TableName = table,
            Key = Key(HarvestItemId(candidate)),
            UpdateExpression = "SET checkedAt = :now",
            ConditionExpression = "harvestBy = :self AND attribute_exists(harvestLevel)",
            ExpressionAttributeValues = new() { [":now"] = N(Millis(candidate.Access.EventTime)), [":self"] = S(candidate.Access.EventId) },
            ReturnValues = ReturnValue.ALL_NEW,
        };
        if (await ConditionalAsync(() => client.UpdateItemAsync(mine, cancellationToken)).ConfigureAwait(false) is not { } won)
            return null;
        var snapshot = Snapshot(won.Attributes, HarvestItemId(candidate));
        return snapshot.Notice(snapshot.Level);
    }

    /// <summary>
    /// Adds the object to the harvest it continues (event time before <c>expiresAt</c>), else starts a new one, and
    /// returns the item as this write left it. An in-order read moves <c>lastTime</c> and <c>expiresAt</c>; an earlier
    /// one only counts (and may lower <c>firstTime</c>), so out-of-order reads never shrink the harvest.
    /// </summary>
    private async Task<HarvestSnapshot> CountOnHarvestAsync(AlertCandidate candidate, CancellationToken cancellationToken)
    {
        var access = candidate.Access;
        var id = HarvestItemId(candidate);
        var now = N(Millis(access.EventTime));
        var level = candidate.Classification.Level.Name();
        var bytes = N(Math.Max(0, access.BytesTransferredOut ?? 0));
        for (var race = 0; ; race++)
        {
            var inOrder = HarvestCount(id, "ADD objects :one, #bytes :bytes, levels :levels SET lastTime = :now, expiresAt = :until, #ttl = :ttl",
                "attribute_exists(harvestId) AND expiresAt > :now AND lastTime <= :now", now, bytes, level);
            inOrder.ExpressionAttributeNames["#ttl"] = DynamoTables.TtlAttribute;
            inOrder.ExpressionAttributeValues[":until"] = N(Millis(WindowEnd.After(access.EventTime, window)));
            inOrder.ExpressionAttributeValues[":ttl"] = Ttl(access.EventTime);
            if (await ConditionalAsync(() => client.UpdateItemAsync(inOrder, cancellationToken)).ConfigureAwait(false) is { } continued)
                return await AddSampleKeyAsync(id, Snapshot(continued.Attributes, id), access.ReadObject.Key, cancellationToken).ConfigureAwait(false);

            var earlier = HarvestCount(id, "ADD objects :one, #bytes :bytes, levels :levels",
                "attribute_exists(harvestId) AND expiresAt > :now", now, bytes, level);
            if (await ConditionalAsync(() => client.UpdateItemAsync(earlier, cancellationToken)).ConfigureAwait(false) is { } counted)
            {
                var snapshot = Snapshot(counted.Attributes, id);
                if (access.EventTime < snapshot.Counts.FirstTime)
                    snapshot = await LowerFirstTimeAsync(id, snapshot, access.EventTime, cancellationToken).ConfigureAwait(false);
                return await AddSampleKeyAsync(id, snapshot, access.ReadObject.Key, cancellationToken).ConfigureAwait(false);
            }

            var start = StartHarvest(candidate, id, now, bytes, level);
            if (await ConditionalAsync(() => client.PutItemAsync(start, cancellationToken)).ConfigureAwait(false) is not null)
                return Snapshot(start.Item, id);
            if (race >= MaxRaces)
                throw new StoreUnavailableException($"writing to {table}: harvest item {id} keeps failing every condition");
            // Another writer started the harvest between our writes: count on it.
        }
    }

    private UpdateItemRequest HarvestCount(string id, string update, string condition, AttributeValue now, AttributeValue bytes, string level) => new()
    {
        TableName = table,
        Key = Key(id),
        UpdateExpression = update,
        ConditionExpression = condition,
        ExpressionAttributeNames = new() { ["#bytes"] = "bytes" },
        ExpressionAttributeValues = new()
        {
            [":one"] = N(1),
            [":bytes"] = bytes,
            [":levels"] = new AttributeValue { SS = [level] },
            [":now"] = now,
        },
        ReturnValues = ReturnValue.ALL_NEW,
    };

    /// <summary>A new harvest whose first object is this event; its event ID names the harvest.</summary>
    private PutItemRequest StartHarvest(AlertCandidate candidate, string id, AttributeValue now, AttributeValue bytes, string level)
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
            ["levels"] = new AttributeValue { SS = [level] },
            ["sampleKeys"] = new AttributeValue { L = [S(access.ReadObject.Key)] },
            ["firstTime"] = now,
            ["lastTime"] = now,
            ["expiresAt"] = N(Millis(WindowEnd.After(access.EventTime, window))),
            [DynamoTables.TtlAttribute] = Ttl(access.EventTime),
        };
        if (access.Principal.Arn is { } arn)
            item["principalArn"] = S(arn);
        return new PutItemRequest
        {
            TableName = table,
            Item = item,
            // Items missing harvestId or expiresAt (edited by hand) must not block counting forever.
            ConditionExpression = "attribute_not_exists(#id) OR attribute_not_exists(harvestId) OR attribute_not_exists(expiresAt) OR expiresAt <= :now",
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
            ExpressionAttributeValues = new() { [":now"] = now },
        };
    }

    /// <summary>The first distinct keys read, best effort: appended only while fewer than the sample size are held.</summary>
    private async Task<HarvestSnapshot> AddSampleKeyAsync(string id, HarvestSnapshot snapshot, string key, CancellationToken cancellationToken)
    {
        if (snapshot.Counts.SampleKeys.Count >= HarvestNotice.MaxSampleKeys || snapshot.Counts.SampleKeys.Contains(key))
            return snapshot;
        var append = new UpdateItemRequest
        {
            TableName = table,
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
        return await ConditionalAsync(() => client.UpdateItemAsync(append, cancellationToken)).ConfigureAwait(false) is null
            ? snapshot
            : snapshot with { Counts = snapshot.Counts with { SampleKeys = [.. snapshot.Counts.SampleKeys, key] } };
    }

    /// <summary>An out-of-order read earlier than the harvest's first: firstTime becomes the minimum.</summary>
    private async Task<HarvestSnapshot> LowerFirstTimeAsync(string id, HarvestSnapshot snapshot, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var lower = new UpdateItemRequest
        {
            TableName = table,
            Key = Key(id),
            UpdateExpression = "SET firstTime = :time",
            ConditionExpression = "harvestId = :harvest AND firstTime > :time",
            ExpressionAttributeValues = new() { [":time"] = N(Millis(time)), [":harvest"] = S(snapshot.Counts.HarvestId) },
        };
        await ConditionalAsync(() => client.UpdateItemAsync(lower, cancellationToken)).ConfigureAwait(false);
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
            TableName = table,
            Key = Key(id),
            UpdateExpression = "SET harvestLevel = :threshold, harvestBy = :self",
            ConditionExpression = "harvestId = :harvest AND (attribute_not_exists(harvestLevel) OR harvestLevel < :threshold)",
            ExpressionAttributeValues = new() { [":threshold"] = N(threshold), [":self"] = S(self), [":harvest"] = S(harvestId) },
        };
        return await ConditionalAsync(() => client.UpdateItemAsync(win, cancellationToken)).ConfigureAwait(false) is not null;
    }

    private HarvestSnapshot Snapshot(Dictionary<string, AttributeValue> item, string id)
    {
        var highest = default(SensitivityLevel);
        if (item.TryGetValue("levels", out var levels) && levels.SS is { } names)
        {
            foreach (var name in names)
            {
                if (SensitivityLevels.TryParse(name, out var level) && level > highest)
                    highest = level;
            }
        }
        var counts = new HarvestNotice(
            Required(item, "harvestId", id),
            0,
            Required(item, "principal", id),
            Text(item, "principalArn"),
            Required(item, "source", id),
            Required(item, "bucket", id),
            Required(item, "outcome", id),
            Number(item, "objects"),
            Number(item, "bytes"),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(item, "firstTime")),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(item, "lastTime")),
            highest,
            item.TryGetValue("sampleKeys", out var keys) && keys.L is { } list ? [.. list.Select(k => k.S).OfType<string>()] : []);
        return new HarvestSnapshot(counts, Number(item, "harvestLevel"), Text(item, "harvestBy"));
    }

    /// <summary>The notice stored with the decision on the event item, so a retry in the same execution gets it back.</summary>
    private static AttributeValue NoticeItem(HarvestNotice notice)
    {
        var map = new Dictionary<string, AttributeValue>
        {
            ["harvestId"] = S(notice.HarvestId),
            ["threshold"] = N(notice.Threshold),
            ["principal"] = S(notice.Principal),
            ["source"] = S(notice.Source),
            ["bucket"] = S(notice.Bucket),
            ["outcome"] = S(notice.Outcome),
            ["objects"] = N(notice.Objects),
            ["bytes"] = N(notice.Bytes),
            ["firstTime"] = N(Millis(notice.FirstTime)),
            ["lastTime"] = N(Millis(notice.LastTime)),
            ["highest"] = S(notice.HighestSensitivity.Name()),
            ["sampleKeys"] = new AttributeValue { L = [.. notice.SampleKeys.Select(S)] },
        };
        if (notice.PrincipalArn is { } arn)
            map["principalArn"] = S(arn);
        return new AttributeValue { M = map };
    }

    private static HarvestNotice? StoredNotice(Dictionary<string, AttributeValue> previous)
    {
        if (!previous.TryGetValue("harvest", out var stored) || stored.M is not { Count: > 0 } map)
            return null;
        SensitivityLevels.TryParse(Text(map, "highest"), out var highest);
        return new HarvestNotice(
            Text(map, "harvestId") ?? "",
            Number(map, "threshold"),
            Text(map, "principal") ?? "",
            Text(map, "principalArn"),
            Text(map, "source") ?? "",
            Text(map, "bucket") ?? "",
            Text(map, "outcome") ?? "",
            Number(map, "objects"),
            Number(map, "bytes"),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(map, "firstTime")),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(map, "lastTime")),
            highest,
            map.TryGetValue("sampleKeys", out var keys) && keys.L is { } list ? [.. list.Select(k => k.S).OfType<string>()] : []);
    }

    private static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && long.TryParse(value.N, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : 0;

    /// <summary>
    /// The harvest item as one write left it: its counts (a notice whose threshold is still to be decided), the
    /// threshold last won (0 until one is) and the event that won it.
    /// </summary>
    private sealed record HarvestSnapshot(HarvestNotice Counts, long Level, string? By)
    {
        public HarvestNotice Notice(long threshold) => Counts with { Threshold = threshold };
    }

    /// <summary>The harvest one attempt counted its object on, so a failure later in the attempt can take it off again.</summary>
    private sealed class HarvestCounted
    {
        public string? HarvestId { get; set; }
        public long Bytes { get; set; }
    }
}
