using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

[Collection(DynaliteCollection.Name)]
public class CachedConfigSourceTests(DynaliteFixture dynalite)
{
    private static readonly AllowlistEntry TrustedRole = new(EntryKind.Principal, TestData.RoleArn());
    private static readonly AllowlistEntry OfficeNetwork = new(EntryKind.Source, "10.0.0.0/8");

    [Fact]
    public async Task A_burst_of_100_calls_costs_one_read_of_global_and_one_of_the_bucket()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork], []);
        var time = new FakeTimeProvider(TestData.T0);
        var source = Source(store, time);
        var requests = new RequestCounter(client);

        var configs = new List<JudgingConfig>();
        for (var i = 0; i < 100; i++)
        {
            configs.Add(await source.ForBucketAsync(TestData.Bucket));
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(2, source.Reads);
        Assert.Equal(2, requests["QueryRequest"]);
        // Compiled once and reused while neither scope changes.
        Assert.All(configs, c => Assert.Same(configs[0], c));
        Assert.True(configs[0].Allowlist.Check(TestData.Access()).Trusted);
    }

    [Fact]
    public async Task A_parallel_burst_of_100_calls_costs_two_reads()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork], []);
        var source = Source(store, new FakeTimeProvider(TestData.T0));

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => source.ForBucketAsync(TestData.Bucket))));

        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task Another_bucket_costs_one_more_read_and_sees_only_its_own_scope()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork with { Bucket = "payments" }], [new(RuleKind.Prefix, "hr/", Bucket: "hr-data")]);
        var source = Source(store, new FakeTimeProvider(TestData.T0));

        var payments = await source.ForBucketAsync("payments");
        var hr = await source.ForBucketAsync("hr-data");

        Assert.Equal(3, source.Reads);
        Assert.True(payments.Allowlist.Check(TestData.Access(bucket: "payments")).Trusted);
        Assert.Empty(payments.Classifier.Rules);
        Assert.False(hr.Allowlist.Check(TestData.Access(bucket: "hr-data")).Trusted);
        Assert.Equal(["hr/"], hr.Classifier.Rules.Select(r => r.Value));
    }

    [Fact]
    public async Task A_change_in_the_table_is_not_seen_within_the_cache_period()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole], []);
        var time = new FakeTimeProvider(TestData.T0);
        var source = Source(store, time);
        Assert.False((await source.ForBucketAsync(TestData.Bucket)).Allowlist.Check(TestData.Access()).Trusted);

        await store.PutAsync([OfficeNetwork], []);
        time.Advance(CachedConfigSource.DefaultCachePeriod - TimeSpan.FromSeconds(1));
        var config = await source.ForBucketAsync(TestData.Bucket);

        Assert.Equal(2, source.Reads);
        Assert.False(config.Allowlist.Check(TestData.Access()).Trusted);
    }

    [Fact]
    public async Task A_change_in_the_table_is_seen_once_the_cache_period_has_passed()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork], []);
        var time = new FakeTimeProvider(TestData.T0);
        var source = Source(store, time);
        Assert.True((await source.ForBucketAsync(TestData.Bucket)).Allowlist.Check(TestData.Access()).Trusted);

        // Revoking trust is the change that matters: it must take effect within one period.
        Assert.True(await store.DeleteAsync(ConfigScope.Global, "source#10.0.0.0/8"));
        time.Advance(CachedConfigSource.DefaultCachePeriod);
        var config = await source.ForBucketAsync(TestData.Bucket);

        Assert.Equal(4, source.Reads);
        Assert.False(config.Allowlist.Check(TestData.Access()).Trusted);
    }

    [Fact]
    public async Task A_configured_cache_period_replaces_the_default()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        var time = new FakeTimeProvider(TestData.T0);
        var source = Source(store, time, TimeSpan.FromSeconds(5));

        await source.ForBucketAsync(TestData.Bucket);
        time.Advance(TimeSpan.FromSeconds(4));
        await source.ForBucketAsync(TestData.Bucket);
        Assert.Equal(2, source.Reads);
        time.Advance(TimeSpan.FromSeconds(1));
        await source.ForBucketAsync(TestData.Bucket);

        Assert.Equal(4, source.Reads);
    }

    [Fact]
    public async Task Invalid_items_reach_the_warning_callback_and_are_left_out_of_the_config()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(client, table, warnings.Add);
        await store.PutAsync([TrustedRole, new(EntryKind.Source, "10.0.0.0/33")], []);
        var source = new CachedConfigSource(store, new FakeTimeProvider(TestData.T0), warn: warnings.Add);

        var config = await source.ForBucketAsync(TestData.Bucket);

        Assert.Contains("source 10.0.0.0/33", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.False(config.Allowlist.Check(TestData.Access(sourceIp: "10.0.0.1")).Trusted);
    }

    [Fact]
    public async Task A_rule_item_that_does_not_parse_makes_classification_fail_while_the_allowlist_answers()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(client, table, warnings.Add);
        await store.PutAsync([TrustedRole, OfficeNetwork], [new(RuleKind.Keyword, "hr")]);
        await client.PutItemAsync(table, new()
        {
            ["scope"] = new($"bucket#{TestData.Bucket}"), ["entry"] = new("rule#glob#**/*.pem"), ["level"] = new("Critical "),
        });
        var source = new CachedConfigSource(store, new FakeTimeProvider(TestData.T0), warn: warnings.Add);

        var config = await source.ForBucketAsync(TestData.Bucket);

        Assert.True(config.Allowlist.Check(TestData.Access()).Trusted);
        var error = Assert.Throws<UnusableRuleException>(() => config.Classifier);
        Assert.Contains($"bucket#{TestData.Bucket} / rule#glob#**/*.pem in {table}: unknown level \"Critical \"", Assert.Single(error.Rules), StringComparison.Ordinal);
        Assert.Contains(warnings, w => w.Contains("rule#glob#**/*.pem", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refresh_against_a_stopped_server_throws_in_bounded_time_instead_of_using_the_stale_config()
    {
        // This test stops its server, so it runs its own rather than the shared one.
        using var server = DynaliteServer.Start();
        var table = await server.CreateConfigTableAsync();
        using var client = server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork], []);
        var time = new FakeTimeProvider(TestData.T0);
        var source = Source(store, time);
        Assert.True((await source.ForBucketAsync(TestData.Bucket)).Allowlist.Check(TestData.Access()).Trusted);

        server.Stop();
        time.Advance(CachedConfigSource.DefaultCachePeriod);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => source.ForBucketAsync(TestData.Bucket));
        clock.Stop();

        Assert.StartsWith($"reading {table} scope global failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.InnerException!.GetType().Name, error.Message, StringComparison.Ordinal);
        // Four tries with the SDK's standard backoff; far below a Lambda's timeout.
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.Equal(2, source.Reads);
        // The failure is not cached as a success either: the next call tries again and fails again.
        await Assert.ThrowsAsync<StoreUnavailableException>(() => source.ForBucketAsync(TestData.Bucket));
    }

    [Fact]
    public async Task A_cancelled_first_caller_fails_alone_and_the_callers_waiting_on_its_read_get_the_config()
    {
        var store = new GatedStore(new([TrustedRole, OfficeNetwork], []));
        var source = Source(store, new FakeTimeProvider(TestData.T0));
        using var firstCaller = new CancellationTokenSource();
        var first = source.ForBucketAsync(TestData.Bucket, firstCaller.Token);
        await store.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var second = source.ForBucketAsync(TestData.Bucket);

        // The first caller's deadline passes while the shared read of the global scope is in flight.
        await firstCaller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(second.IsCompleted);
        store.Release();
        var config = await second.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(config.Allowlist.Check(TestData.Access()).Trusted);
        // One read per scope: the cancelled caller's read was neither cancelled nor repeated.
        Assert.Equal(2, store.Calls);
        Assert.Equal(2, source.Reads);
    }

    /// <summary>A store whose reads wait for <see cref="Release"/> and honour the token they are given.</summary>
    private sealed class GatedStore(RuleSet global) : IConfigStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => _calls;

        public Task Started => _started.Task;

        public void Release() => _gate.TrySetResult();

        public async Task<RuleSet> LoadScopeAsync(ConfigScope scope, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            _started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            return scope.IsGlobal ? global : new([], []);
        }
    }

    private static CachedConfigSource Source(IConfigStore store, TimeProvider time, TimeSpan? cacheFor = null) =>
        new(store, time, cacheFor);
}
