using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Stores;

/// <summary>
/// The config for one access, from the global scope and the scopes of its account and buckets (account#A, bucket#B,
/// account#A#bucket#B), each scope read once per cache period (default 60 s) so a burst of events costs a handful of
/// reads: at most one per distinct scope per period, however many events ask. A refresh that fails throws: a stale or
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

    /// <summary>The compiled config that judges reads of <paramref name="bucket"/> in no known account (global and bucket scopes).</summary>
    public Task<JudgingConfig> ForBucketAsync(string bucket, CancellationToken cancellationToken = default) =>
        ForScopesAsync(Scopes(null, [bucket]), cancellationToken);

    /// <summary>
    /// The compiled config that judges the object <paramref name="access"/> read (Check Allowlist): global, the read's
    /// account, the bucket read, and that bucket in that account. Only these scopes' entries can trust the read.
    /// </summary>
    public Task<JudgingConfig> ForReadAsync(Events.S3Access access, CancellationToken cancellationToken = default) =>
        ForScopesAsync(Scopes(access.Account, [access.ReadObject.Bucket]), cancellationToken);

    /// <summary>
    /// The compiled config holding every scope <paramref name="access"/> touches: global, the read's account, the
    /// bucket read and a copy's destination bucket, each alone and in the account. Scan's config holds every scope and
    /// the classifier keeps the rules that apply by account and bucket; this one holds the scopes that can apply to
    /// this access, so the Core classification sees the same rules for it as scan's does.
    /// </summary>
    public Task<JudgingConfig> ForAccessAsync(Events.S3Access access, CancellationToken cancellationToken = default) =>
        ForScopesAsync(Scopes(access.Account, access.CopyDestination is { } destination && destination.Bucket != access.ReadObject.Bucket
            ? [access.ReadObject.Bucket, destination.Bucket]
            : [access.ReadObject.Bucket]), cancellationToken);

    /// <summary>
    /// The access as the steps judge it: a copy through an access point mapped by a global `accesspoint#` item reads
    /// from the bucket behind it; any other access unchanged. The same <see cref="AccessPointMap.Resolve"/> scan uses,
    /// over the global scope (where mappings live).
    /// </summary>
    public async Task<Events.S3Access> ResolveAsync(Events.S3Access access, CancellationToken cancellationToken = default) =>
        (await ForScopesAsync([], cancellationToken).ConfigureAwait(false)).AccessPoints.Resolve(access);

    /// <summary>The scopes beside global: the account alone, then each bucket alone and in the account.</summary>
    private static ConfigScope[] Scopes(string? account, string[] buckets)
    {
        var scopes = new List<ConfigScope>(1 + (2 * buckets.Length));
        // A record whose account is not an account ID (never seen from CloudTrail) has no account scope to read.
        var known = AccountId.IsValid(account) ? account : null;
        if (known is not null)
            scopes.Add(new ConfigScope(known, null));
        foreach (var bucket in buckets)
        {
            scopes.Add(ConfigScope.ForBucket(bucket));
            if (known is not null)
                scopes.Add(new ConfigScope(known, bucket));
        }
        return [.. scopes];
    }

    private async Task<JudgingConfig> ForScopesAsync(ConfigScope[] wanted, CancellationToken cancellationToken)
    {
        var global = await ScopeAsync(ConfigScope.Global, cancellationToken).ConfigureAwait(false);
        var scopes = new RuleSet[wanted.Length];
        for (var i = 0; i < wanted.Length; i++)
            scopes[i] = await ScopeAsync(wanted[i], cancellationToken).ConfigureAwait(false);
        // Unit separator: it appears in no scope key, so two scope lists never share a key.
        var key = string.Join('\u001f', wanted.Select(s => s.Key));
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
    private async Task<RuleSet> ScopeAsync(ConfigScope scope, CancellationToken cancellationToken)
    {
        var key = scope.Key;
        Task<RuleSet> read;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_scopes.TryGetValue(key, out var cached) && now < cached.Until)
                return cached.Items;
            if (!_reading.TryGetValue(key, out read!))
            {
                read = ReadScopeAsync(scope, key);
                _reading[key] = read;
            }
        }
        return await read.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<RuleSet> ReadScopeAsync(ConfigScope scope, string key)
    {
        // Leave the caller's lock first, so the in-flight entry is registered before this read can remove it.
        await Task.Yield();
        try
        {
            var items = await store.LoadScopeAsync(scope, CancellationToken.None).ConfigureAwait(false);
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
