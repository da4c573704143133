using S3AuditFlow.Core.Config;
using System.Diagnostics;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws.Tests;

/// <summary>
/// Throttling and 5xx: retried by the SDK a bounded number of times, then one typed error.
/// dynalite cannot throttle or fail with a 5xx, so here — and only here — the server is a tiny fake HTTP endpoint
/// (<see cref="FakeDynamoEndpoint"/>); every other DynamoDB test runs against a real dynalite.
/// </summary>
public class RetryBudgetTests
{
    private const string Table = "s3auditflow-config";
    private const int Budget = 1 + AwsTarget.MaxRetries;

    /// <summary>Time for four tries with the standard mode's backoff, with room for a loaded machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Failures => ["server error", "throttling"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Config_read_gives_a_typed_error_after_exactly_one_try_plus_the_retries(string failure)
    {
        using var endpoint = FakeDynamoEndpoint.Start((_, _) => Answer(failure));
        using var client = new AwsTarget(EndpointUrl: endpoint.Url).CreateDynamoDb();
        var store = new DynamoConfigStore(client, Table);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.LoadScopeAsync(ConfigScope.Global));
        clock.Stop();

        Assert.Equal(Budget, endpoint.Count("Query"));
        Assert.Equal(Budget, endpoint.Requests.Count);
        Assert.StartsWith($"reading {Table} scope global failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.InnerException!.GetType().Name, error.Message, StringComparison.Ordinal);
        Assert.Contains(failure == "throttling" ? "Rate exceeded" : "Internal server error", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Bound);
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Dedup_write_gives_a_typed_error_after_exactly_one_try_plus_the_retries(string failure)
    {
        using var endpoint = FakeDynamoEndpoint.Start((_, _) => Answer(failure));
        using var client = new AwsTarget(EndpointUrl: endpoint.Url).CreateDynamoDb();
        var store = new DynamoDedupStore(client, "s3auditflow-dedup", TimeSpan.FromMinutes(15));

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RecordAsync(TestData.Candidate(TestData.Access("event-1"))));
        clock.Stop();

        // The first write (claiming the event ID) fails after the whole budget; nothing else is attempted.
        Assert.Equal(Budget, endpoint.Count("UpdateItem"));
        Assert.Equal(Budget, endpoint.Requests.Count);
        Assert.StartsWith("writing to s3auditflow-dedup failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.InnerException!.GetType().Name, error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Bound);
    }

    [Fact]
    public async Task An_event_whose_alert_write_fails_is_released_so_a_retry_is_judged_afresh()
    {
        // The event ID is claimed, then every write of the access item fails.
        using var endpoint = FakeDynamoEndpoint.Start((operation, before) =>
            operation == "PutItem" ? FakeDynamoEndpoint.ServerError() : FakeDynamoEndpoint.Ok());
        using var client = new AwsTarget(EndpointUrl: endpoint.Url).CreateDynamoDb();
        var store = new DynamoDedupStore(client, "s3auditflow-dedup", TimeSpan.FromMinutes(15));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RecordAsync(TestData.Candidate(TestData.Access("event-1"))));

        Assert.Equal(Budget, endpoint.Count("PutItem"));
        // Released by an update (the function's policy grants no DeleteItem), so the claim can be taken again.
        var release = Assert.Single(endpoint.Requests, r => r.Operation == "UpdateItem" && r.Body.Contains("SET #status = :released", StringComparison.Ordinal));
        Assert.Contains("\"event#event-1\"", release.Body, StringComparison.Ordinal);
        // Its own access item's window is ended too, so later reads are not counted on an alert never published.
        var expire = Assert.Single(endpoint.Requests, r => r.Operation == "UpdateItem" && r.Body.Contains("SET expiresAt = :zero", StringComparison.Ordinal));
        Assert.Contains("eventId = :self", expire.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_store_behind_the_cache_never_yields_a_config()
    {
        using var endpoint = FakeDynamoEndpoint.Start((_, _) => FakeDynamoEndpoint.Throttling());
        using var client = new AwsTarget(EndpointUrl: endpoint.Url).CreateDynamoDb();
        var source = new CachedConfigSource(new DynamoConfigStore(client, Table), TimeProvider.System);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => source.ForBucketAsync(TestData.Bucket));

        Assert.Equal(0, source.Reads);
        Assert.Equal(Budget, endpoint.Count("Query"));
    }

    private static (int, string, string?) Answer(string failure) =>
        failure == "throttling" ? FakeDynamoEndpoint.Throttling() : FakeDynamoEndpoint.ServerError();
}
