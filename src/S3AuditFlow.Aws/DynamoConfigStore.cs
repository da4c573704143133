using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Aws;

/// <summary>The config table: one Query per scope to read, single-item writes for `s3audit allowlist`.</summary>
/// <param name="warn">Told about entry items that cannot be read; they are skipped, which never widens trust. Any other
/// unreadable item (a rule, or an item of unknown kind that may have been meant as one) is returned in
/// <see cref="RuleSet.UnusableRules"/>: rules fail closed.</param>
public sealed class DynamoConfigStore(IAmazonDynamoDB client, string table, Action<string>? warn = null) : IConfigStore
{
    private const int BatchSize = 25;

    /// <summary>The table's name.</summary>
    public string Table => table;

    /// <inheritdoc />
    public async Task<RuleSet> LoadScopeAsync(ConfigScope scope, CancellationToken cancellationToken = default)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "#scope = :scope",
                ExpressionAttributeNames = new() { ["#scope"] = DynamoTables.ScopeKey },
                ExpressionAttributeValues = new() { [":scope"] = new AttributeValue { S = scope.Key } },
                ExclusiveStartKey = start,
                ConsistentRead = true,
            };
            var response = await StoreErrors.Guard($"reading {table} scope {scope.Key}", () => client.QueryAsync(request, cancellationToken)).ConfigureAwait(false);
            items.AddRange(response.Items ?? []);
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return Read(items);
    }

    /// <summary>Every item of every scope (for export and `scan --table`).</summary>
    public async Task<RuleSet> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true };
            var response = await StoreErrors.Guard($"scanning {table}", () => client.ScanAsync(request, cancellationToken)).ConfigureAwait(false);
            items.AddRange(response.Items ?? []);
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return Read(items.OrderBy(i => i[DynamoTables.ScopeKey].S, StringComparer.Ordinal).ThenBy(i => i[DynamoTables.EntryKey].S, StringComparer.Ordinal));
    }

    /// <summary>
    /// Every item as one config, read fresh: entries that do not compile skipped with a warning, unusable rules kept in
    /// <see cref="AuditConfig.UnusableRules"/>. What `scan --table`, `filters --table` and the Compile Filters step read.
    /// </summary>
    public async Task<AuditConfig> LoadConfigAsync(CancellationToken cancellationToken = default) =>
        AuditConfig.CreateSkippingInvalid(await LoadAllAsync(cancellationToken).ConfigureAwait(false), AuditConfig.DefaultMonitoredEvents, AuditConfig.DefaultDedupWindow, warn);

    /// <summary>
    /// Writes entries and rules (replacing items with the same key), in batches of 25. Every item is checked against
    /// DynamoDB's size limits first: one too large throws <see cref="ArgumentException"/> before anything is written.
    /// </summary>
    public Task PutAsync(IEnumerable<AllowlistEntry> entries, IEnumerable<SensitivityRule> rules, CancellationToken cancellationToken = default) =>
        PutAsync(entries, rules, [], cancellationToken);

    /// <summary>Writes entries, rules and access point mappings, as <see cref="PutAsync(IEnumerable{AllowlistEntry}, IEnumerable{SensitivityRule}, CancellationToken)"/>.</summary>
    public Task PutAsync(IEnumerable<AllowlistEntry> entries, IEnumerable<SensitivityRule> rules, IEnumerable<AccessPointBucket> accessPoints, CancellationToken cancellationToken = default) =>
        PutAsync(entries, rules, accessPoints, [], cancellationToken);

    /// <summary>Writes entries, rules, access point mappings and account aliases, as <see cref="PutAsync(IEnumerable{AllowlistEntry}, IEnumerable{SensitivityRule}, CancellationToken)"/>.</summary>
    public async Task PutAsync(IEnumerable<AllowlistEntry> entries, IEnumerable<SensitivityRule> rules, IEnumerable<AccessPointBucket> accessPoints,
        IEnumerable<AccountAlias> aliases, CancellationToken cancellationToken = default)
    {
        entries = entries.ToList();
        rules = rules.ToList();
        // One BatchWriteItem may not name a key twice; the last occurrence wins, as sequential puts would.
        var items = entries.Select(ConfigItems.ToItem).Concat(rules.Select(ConfigItems.ToItem)).Concat(accessPoints.Select(ConfigItems.ToItem))
            .Concat(aliases.Select(ConfigItems.ToItem))
            .GroupBy(i => (i[DynamoTables.ScopeKey].S, i[DynamoTables.EntryKey].S))
            .Select(g => g.Last())
            .ToList();
        // A scope the readers refuse (an access point ARN as a bucket, a 13-digit account) would be written and then
        // skipped on every read: refuse it before anything is written.
        var badScope = entries.Select(e => (What: e.Describe(), Error: new ConfigScope(e.Account, e.Bucket).Validate()))
            .Concat(rules.Select(r => (What: "rule " + r.Describe(), Error: new ConfigScope(r.Account, r.Bucket).Validate())))
            .FirstOrDefault(i => i.Error is not null);
        if (badScope.Error is not null)
            throw new ArgumentException($"{badScope.What}: {badScope.Error}; nothing written to {table}");
        var tooLarge = items.Select(i => (Item: i, Error: ConfigItems.SizeError(i))).Where(i => i.Error is not null).ToList();
        if (tooLarge.Count > 0)
            throw new ArgumentException($"{tooLarge.Count} item(s) too large for {table}, nothing written: {Describe(tooLarge[0].Item)}: {tooLarge[0].Error}");
        foreach (var batch in items.Chunk(BatchSize))
        {
            var pending = new Dictionary<string, List<WriteRequest>>
            {
                [table] = batch.Select(item => new WriteRequest { PutRequest = new PutRequest { Item = item } }).ToList(),
            };
            // BatchWriteItem may accept only part of a batch under throttling; resend the rest with a pause.
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > AwsTarget.MaxRetries)
                    throw new StoreUnavailableException($"writing to {table}: {pending[table].Count} items still unprocessed after retries");
                if (attempt > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), cancellationToken).ConfigureAwait(false);
                var request = new BatchWriteItemRequest { RequestItems = pending };
                var response = await StoreErrors.Guard($"writing to {table}", () => client.BatchWriteItemAsync(request, cancellationToken)).ConfigureAwait(false);
                pending = response.UnprocessedItems is { Count: > 0 } rest ? rest : [];
            }
        }
    }

    /// <summary>Deletes one item; false when there was none.</summary>
    public async Task<bool> DeleteAsync(ConfigScope scope, string entry, CancellationToken cancellationToken = default)
    {
        var request = new DeleteItemRequest { TableName = table, Key = ConfigItems.Key(scope, entry), ReturnValues = ReturnValue.ALL_OLD };
        var response = await StoreErrors.Guard($"deleting from {table}", () => client.DeleteItemAsync(request, cancellationToken)).ConfigureAwait(false);
        return response.Attributes is { Count: > 0 };
    }

    private RuleSet Read(IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        var entries = new List<AllowlistEntry>();
        var rules = new List<SensitivityRule>();
        var unusable = new List<string>();
        var accessPoints = new List<AccessPointBucket>();
        var aliases = new List<AccountAlias>();
        foreach (var item in items)
        {
            if (ConfigItems.TryAlias(item, out var alias, out var aliasError))
            {
                // An alias only names an account in alerts: one that cannot be read is told and skipped, never fatal.
                if (alias is not null)
                    aliases.Add(alias);
                else
                    warn?.Invoke($"skipped alias item {Describe(item)} in {table}: {aliasError}");
                continue;
            }
            if (ConfigItems.TryAccessPoint(item, out var mapping, out var mappingError))
            {
                if (mapping is not null)
                {
                    accessPoints.Add(mapping);
                }
                else
                {
                    // Told as for a rule, so `allowlist list` names the item that stops classification.
                    unusable.Add($"item {Describe(item)} in {table}: {mappingError}");
                    warn?.Invoke($"unusable access point item {Describe(item)} in {table}: {mappingError}");
                }
                continue;
            }
            var (entry, rule, error) = ConfigItems.FromItem(item);
            if (entry is not null)
                entries.Add(entry);
            else if (rule is not null)
                rules.Add(rule);
            else if (ConfigItems.IsEntryItem(item))
                warn?.Invoke($"skipped item {Describe(item)} in {table}: {error}");
            else
            {
                // Also told here, so `allowlist list` names the item that stops classification.
                unusable.Add($"item {Describe(item)} in {table}: {error}");
                warn?.Invoke($"unusable rule item {Describe(item)} in {table}: {error}");
            }
        }
        return new RuleSet(entries, rules) { UnusableRules = unusable, AccessPoints = accessPoints, Aliases = aliases };
    }

    private static string Describe(Dictionary<string, AttributeValue> item) =>
        $"{(item.TryGetValue(DynamoTables.ScopeKey, out var scope) ? ConfigItems.Abbreviated(scope.S ?? "?") : "?")} / {(item.TryGetValue(DynamoTables.EntryKey, out var entry) ? ConfigItems.Abbreviated(entry.S ?? "?") : "?")}";
}
