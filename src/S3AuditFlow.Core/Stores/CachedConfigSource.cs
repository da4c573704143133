using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Stores;

/// <summary>
/// The config for one bucket's events, from the global scope and that bucket's scope, each read once per cache
/// period (default 60 s) so a burst of events costs a handful of reads. A refresh that fails throws: a stale or
/// partial allowlist is never used to trust an access. A rule item that cannot be applied is kept in the config's
/// <see cref="AuditConfig.UnusableRules"/>, so classifying with it throws until the item is fixed (rules fail closed).
/// </summary>
public sealed class CachedConfigSource(
    IConfigStore store,
    TimeProvider time,
    IReadOnlyCollection<string> monitoredEvents,
    TimeSpan dedupWindow,
    TimeSpan? cacheFor = null,
    Action<string>? warn = null)
{
    /// <summary>How long a scope is kept when no period is given.</summary>
    public static readonly TimeSpan DefaultCachePeriod = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _period = cacheFor ?? DefaultCachePeriod;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (RuleSet Items, DateTimeOffset Until)> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RuleSet Global, RuleSet Bucket, AuditConfig Config)> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<RuleSet>> _reading = new(StringComparer.Ordinal);

    /// <summary>Store reads made so far (for tests and logs).</summary>
    public int Reads { get; private set; }

    /// <summary>The compiled config that judges reads of <paramref name="bucket"/>.</summary>
    public async Task<AuditConfig> ForBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        var global = await ScopeAsync(null, cancellationToken).ConfigureAwait(false);
        var scoped = await ScopeAsync(bucket, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_configs.TryGetValue(bucket, out var cached) && ReferenceEquals(cached.Global, global) && ReferenceEquals(cached.Bucket, scoped))
                return cached.Config;
        }
        var config = AuditConfig.CreateSkippingInvalid(global.Concat(scoped), monitoredEvents, dedupWindow, warn);
        lock (_lock)
            _configs[bucket] = (global, scoped, config);
        return config;
    }

    /// <summary>
    /// The access as the steps judge it: a copy through an access point mapped by a global `accesspoint#` item reads
    /// from the bucket behind it (as scan does with `accessPoints`); any other access unchanged.
    /// </summary>
    public async Task<Events.S3Access> ResolveAsync(Events.S3Access access, CancellationToken cancellationToken = default)
    {
        if (access.CopySource is not { } source || !Events.CopySource.IsAccessPointArn(source.Bucket))
            return access;
        var global = await ScopeAsync(null, cancellationToken).ConfigureAwait(false);
        var mapped = global.AccessPoints.Where(m => m.AccessPoint == source.Bucket).Select(m => m.Bucket).Distinct(StringComparer.Ordinal).ToList();
        // An unusable mapping is reported by ForBucketAsync (as an unusable rule); here only a clear one applies.
        return mapped.Count == 1 && BucketName.IsValid(mapped[0]) ? access with { CopySource = source with { Bucket = mapped[0] } } : access;
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
