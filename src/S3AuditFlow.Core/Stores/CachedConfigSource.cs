using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Stores;

/// <summary>
/// The config for one bucket's events, from the global scope and that bucket's scope, each read once per cache
/// period (default 60 s) so a burst of events costs a handful of reads. A refresh that fails throws: a stale or
/// partial allowlist is never used to trust an access. A rule item that cannot be applied is kept in the config's
/// <see cref="JudgingConfig.UnusableRules"/>, so classifying with it throws until the item is fixed (rules fail closed).
/// </summary>
public sealed class CachedConfigSource(
    IConfigStore store,
    TimeProvider time,
    TimeSpan? cacheFor = null,
    Action<string>? warn = null)
{
    /// <summary>How long a scope is kept when no period is given.</summary>
    public static readonly TimeSpan DefaultCachePeriod = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _period = cacheFor ?? DefaultCachePeriod;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (RuleSet Items, DateTimeOffset Until)> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RuleSet Global, RuleSet[] Scopes, JudgingConfig Config)> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<RuleSet>> _reading = new(StringComparer.Ordinal);

    /// <summary>Store reads made so far (for tests and logs).</summary>
    public int Reads { get; private set; }

    /// <summary>The compiled config that judges reads of <paramref name="bucket"/>.</summary>
    public Task<JudgingConfig> ForBucketAsync(string bucket, CancellationToken cancellationToken = default) =>
        ForBucketsAsync([bucket], cancellationToken);

    /// <summary>
    /// The compiled config holding every scope <paramref name="access"/> touches: global, the bucket read and a copy's
    /// destination bucket. Scan's config holds every scope; this one holds the ones that can matter to this access,
    /// so the Core classification sees the same rules for it as scan's does.
    /// </summary>
    public Task<JudgingConfig> ForAccessAsync(Events.S3Access access, CancellationToken cancellationToken = default) =>
        ForBucketsAsync(access.CopyDestination is { } destination && destination.Bucket != access.ReadObject.Bucket
            ? [access.ReadObject.Bucket, destination.Bucket]
            : [access.ReadObject.Bucket], cancellationToken);

    /// <summary>
    /// The access as the steps judge it: a copy through an access point mapped by a global `accesspoint#` item reads
    /// from the bucket behind it; any other access unchanged. The same <see cref="AccessPointMap.Resolve"/> scan uses,
    /// over the global scope (where mappings live).
    /// </summary>
    public async Task<Events.S3Access> ResolveAsync(Events.S3Access access, CancellationToken cancellationToken = default) =>
        (await ForBucketsAsync([], cancellationToken).ConfigureAwait(false)).AccessPoints.Resolve(access);

    private async Task<JudgingConfig> ForBucketsAsync(string[] buckets, CancellationToken cancellationToken)
    {
        var global = await ScopeAsync(null, cancellationToken).ConfigureAwait(false);
        var scopes = new RuleSet[buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
            scopes[i] = await ScopeAsync(buckets[i], cancellationToken).ConfigureAwait(false);
        // Unit separator: it appears in no bucket name or access point ARN, so two bucket lists never share a key.
        var key = string.Join('\u001f', buckets);
        lock (_lock)
        {
            if (_configs.TryGetValue(key, out var cached) && ReferenceEquals(cached.Global, global)
                && cached.Scopes.SequenceEqual(scopes, ReferenceEqualityComparer.Instance))
                return cached.Config;
        }
        var config = JudgingConfig.FromItems(scopes.Aggregate(global, (all, scope) => all.Concat(scope)), warn);
        lock (_lock)
            _configs[key] = (global, scopes, config);
        return config;
    }

    /// <summary>
    /// A scope's items: from the cache while fresh; else one read shared by every caller that asks meanwhile.
    /// A failed read is not cached, so the next caller tries again. The shared read belongs to no caller: it runs
    /// uncancelled (the store bounds it with its retry budget) and each caller waits for it with its own token, so
    /// a caller that gives up (its deadline) fails alone instead of failing every waiter with "store unavailable".
    /// </summary>
    private async Task<RuleSet> ScopeAsync(string? bucket, CancellationToken cancellationToken)
    {
        var key = bucket ?? "";
        Task<RuleSet> read;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_scopes.TryGetValue(key, out var cached) && now < cached.Until)
                return cached.Items;
            if (!_reading.TryGetValue(key, out read!))
            {
                read = ReadScopeAsync(bucket, key);
                _reading[key] = read;
            }
        }
        return await read.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<RuleSet> ReadScopeAsync(string? bucket, string key)
    {
        // Leave the caller's lock first, so the in-flight entry is registered before this read can remove it.
        await Task.Yield();
        try
        {
            var items = await store.LoadScopeAsync(bucket, CancellationToken.None).ConfigureAwait(false);
            lock (_lock)
            {
                Reads++;
                _scopes[key] = (items, time.GetUtcNow() + _period);
            }
            return items;
        }
        finally
        {
            lock (_lock)
                _reading.Remove(key);
        }
    }
}
