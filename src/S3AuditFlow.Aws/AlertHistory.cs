using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Aws.Dedup;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws;

/// <summary>
/// The alerts the workflow raised, read back from the dedup table's alert items: a window is listed with one Query of the
/// sparse <see cref="DynamoTables.AlertsIndex"/> per UTC day (newest first), never a Scan, then one BatchGetItem per
/// 100 alerts for the repeat and harvest counts that live on their access and harvest items.
/// </summary>
public sealed class AlertHistory(IAmazonDynamoDB client, string table)
{
    private const int BatchGetLimit = 100;

    /// <summary>The alerts raised for events in [<paramref name="since"/>, <paramref name="until"/>], newest first, at most <paramref name="limit"/> of those <paramref name="keep"/> accepts.</summary>
    /// <returns>The alerts, and whether more matched than the limit let through.</returns>
    public async Task<(IReadOnlyList<StoredAlert> Alerts, bool More)> ListAsync(DateTimeOffset since, DateTimeOffset until, int limit, Func<StoredAlert, bool>? keep = null,
        CancellationToken cancellationToken = default)
    {
        var items = new List<(Dictionary<string, AttributeValue> Item, StoredAlert Alert)>();
        var more = false;
        for (var day = until.UtcDateTime.Date; day >= since.UtcDateTime.Date && !more; day = day.AddDays(-1))
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var request = new QueryRequest
                {
                    TableName = table,
                    IndexName = DynamoTables.AlertsIndex,
                    KeyConditionExpression = "#day = :day AND #at BETWEEN :from AND :to",
                    ExpressionAttributeNames = new() { ["#day"] = DynamoTables.AlertDay, ["#at"] = DynamoTables.AlertAt },
                    ExpressionAttributeValues = new()
                    {
                        [":day"] = S(AlertItems.Day(new DateTimeOffset(day, TimeSpan.Zero))),
                        [":from"] = S(Iso(since)),
                        // '~' sorts after '#' and every event ID character: the until instant itself is included.
                        [":to"] = S(Iso(until) + "~"),
                    },
                    ScanIndexForward = false,
                    ExclusiveStartKey = start,
                };
                var response = await StoreErrors.Guard($"querying {table} index {DynamoTables.AlertsIndex}", () => client.QueryAsync(request, cancellationToken)).ConfigureAwait(false);
                foreach (var item in response.Items ?? [])
                {
                    var alert = Read(item);
                    if (keep is not null && !keep(alert))
                        continue;
                    if (items.Count == limit)
                    {
                        more = true;
                        break;
                    }
                    items.Add((item, alert));
                }
                start = !more && response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            }
            while (start is not null);
        }
        return (await WithCountsAsync(items, cancellationToken).ConfigureAwait(false), more);
    }

    /// <summary>The alert raised by <paramref name="eventId"/>, or null when that event raised none (or it is older than the table keeps).</summary>
    public async Task<StoredAlert?> GetAsync(string eventId, CancellationToken cancellationToken = default)
    {
        var request = new GetItemRequest { TableName = table, Key = Key(AlertItems.ItemId(eventId)), ConsistentRead = true };
        var response = await StoreErrors.Guard($"reading {table}", () => client.GetItemAsync(request, cancellationToken)).ConfigureAwait(false);
        // Without its index key the item is one whose attempt failed: that alert was never published.
        if (response.Item is not { Count: > 0 } item || !item.ContainsKey(DynamoTables.AlertDay))
            return null;
        return (await WithCountsAsync([(item, Read(item))], cancellationToken).ConfigureAwait(false))[0];
    }

    private async Task<IReadOnlyList<StoredAlert>> WithCountsAsync(List<(Dictionary<string, AttributeValue> Item, StoredAlert Alert)> items, CancellationToken cancellationToken)
    {
        var ids = items.SelectMany(i => new[] { Text(i.Item, "accessId"), Text(i.Item, "harvestId") }).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var related = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(BatchGetLimit))
        {
            var pending = new Dictionary<string, KeysAndAttributes> { [table] = new() { Keys = [.. chunk.Select(Key)], ConsistentRead = true } };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > AwsTarget.MaxRetries)
                    throw new Core.Stores.StoreUnavailableException($"reading {table}: keys still unprocessed after retries");
                if (attempt > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), cancellationToken).ConfigureAwait(false);
                var request = new BatchGetItemRequest { RequestItems = pending };
                var response = await StoreErrors.Guard($"reading {table}", () => client.BatchGetItemAsync(request, cancellationToken)).ConfigureAwait(false);
                foreach (var item in response.Responses?.GetValueOrDefault(table) ?? [])
                    related[item[DynamoTables.DedupKey].S] = item;
                pending = response.UnprocessedKeys is { Count: > 0 } rest ? rest : [];
            }
        }
        return items.Select(read =>
        {
            var (item, alert) = read;
            var access = Text(item, "accessId") is { } accessId ? related.GetValueOrDefault(accessId) : null;
            var harvest = Text(item, "harvestId") is { } harvestId ? related.GetValueOrDefault(harvestId) : null;
            return alert with
            {
                // The access item counts this alert's repeats until a later alert reopens it; that reopening kept the count here.
                Repeats = Text(access, "eventId") == alert.EventId ? Number(access!, "duplicates") : Number(item, "repeats"),
                // The harvest item is reused by the next harvest of the same burst key: only one whose span holds the alert counts.
                HarvestObjects = harvest is not null && Number(harvest, "firstTime") <= Millis(alert.EventTime) && Millis(alert.EventTime) <= Number(harvest, "lastTime")
                    ? Number(harvest, "objects")
                    : 0,
            };
        }).ToList();
    }

    private static StoredAlert Read(Dictionary<string, AttributeValue> item)
    {
        if (!IsoTime.TryParse(Text(item, "eventTime"), out var time))
            time = DateTimeOffset.MinValue;
        SensitivityLevels.TryParse(Text(item, "severity"), out var severity);
        return new StoredAlert(
            Text(item, "eventId") ?? "",
            time,
            Text(item, "eventName") ?? "",
            Text(item, "principal") ?? "",
            Text(item, "principalArn"),
            Text(item, "source") ?? "",
            Text(item, "bucket") ?? "",
            Text(item, "key") ?? "",
            Text(item, "account"),
            Text(item, "region"),
            Text(item, "outcome") ?? "",
            severity,
            item.TryGetValue("reasons", out var reasons) && reasons.L is { } list ? [.. list.Select(r => r.S ?? "")] : [],
            Text(item, "trustPrincipal"),
            Text(item, "trustSource"),
            Text(item, "trustRefusal"))
        {
            AccountAlias = Text(item, "accountAlias"),
        };
    }
}
