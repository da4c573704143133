using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Aws.Tests;

/// <summary>
/// The alert history `s3audit alerts` reads: alert items written by the dedup store as it decides, listed through the
/// sparse by-day index against a real dynalite, with the requests counted to show a window never scans the table.
/// </summary>
[Collection(DynaliteCollection.Name)]
public sealed class AlertHistoryTests(DynaliteFixture dynalite) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly AmazonDynamoDBClient _client = dynalite.Server.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_window_lists_its_alerts_newest_first_with_one_query_per_day_and_no_scan()
    {
        var (store, table) = await NewStoreAsync();
        // Three days of history: each day one alert of its own object, plus a repeat of day two's and a trusted-never
        // duplicate by event ID; day zero lies outside the window asked for.
        for (var day = 0; day < 3; day++)
            await store.RecordAsync(TestData.Candidate(TestData.Access($"day{day}", TestData.T0.AddDays(day), key: $"exports/cardholder-{day}.csv")));
        await store.RecordAsync(TestData.Candidate(TestData.Access("day1-repeat", TestData.T0.AddDays(1).AddMinutes(3), key: "exports/cardholder-1.csv")));
        await store.RecordAsync(TestData.Candidate(TestData.Access("day2", TestData.T0.AddDays(2), key: "exports/cardholder-2.csv")));
        await store.RecordAsync(TestData.Candidate(TestData.Access("low", TestData.T0.AddDays(2).AddHours(1), key: "exports/cardholder-low.csv"), SensitivityLevel.Low));

        using var reader = dynalite.Server.Client();
        var requests = new RequestCounter(reader);
        var (alerts, more) = await new AlertHistory(reader, table).ListAsync(TestData.T0.AddDays(1).Date, TestData.T0.AddDays(3), limit: 100);

        Assert.Equal(["low", "day2", "day1"], alerts.Select(a => a.EventId));
        Assert.False(more);
        Assert.Equal(1, alerts.Single(a => a.EventId == "day1").Repeats);
        Assert.Equal(0, alerts.Single(a => a.EventId == "day2").Repeats);
        Assert.Equal(SensitivityLevel.Low, alerts[0].Severity);
        Assert.Equal(0, requests["ScanRequest"]);
        Assert.Equal(3, requests["QueryRequest"]); // days 1, 2 and 3 of the window, one page each
        Assert.Equal(1, requests["BatchGetItemRequest"]);
    }

    [Fact]
    public async Task An_alert_keeps_what_it_said_and_the_narrowest_trust_for_it()
    {
        var (store, table) = await NewStoreAsync();
        var access = TestData.Access("event-1", vpcEndpoint: "vpce-0a1b2c3d");
        await store.RecordAsync(TestData.Candidate(access));

        var alert = await new AlertHistory(_client, table).GetAsync("event-1");

        Assert.NotNull(alert);
        Assert.Equal(TestData.T0, alert.EventTime);
        Assert.Equal("GetObject", alert.EventName);
        Assert.Equal("role/etl", alert.Principal);
        Assert.Equal(TestData.Role().Arn, alert.PrincipalArn);
        Assert.Equal("10.1.2.3 via vpce-0a1b2c3d", alert.Source);
        Assert.Equal((TestData.Bucket, TestData.SensitiveKey), (alert.Bucket, alert.Key));
        Assert.Equal(TestData.Account, alert.Account);
        Assert.Equal("us-east-1", alert.Region);
        Assert.Equal(SensitivityLevel.Critical, alert.Severity);
        Assert.Equal(TestData.Candidate(access).Reasons, alert.Reasons);
        Assert.Equal(TestData.RoleArn(), alert.TrustPrincipal);
        Assert.Equal("vpce-0a1b2c3d", alert.TrustSource);
        Assert.Null(alert.TrustRefusal);
    }

    [Fact]
    public async Task Duplicates_and_burst_suppressed_reads_are_not_alerts()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 2);
        for (var i = 0; i < 5; i++)
            await store.RecordAsync(TestData.Candidate(TestData.Access($"object-{i}", TestData.T0.AddSeconds(i), key: $"exports/cardholder-{i}.csv")));
        await store.RecordAsync(TestData.Candidate(TestData.Access("object-0-again", TestData.T0.AddSeconds(9), key: "exports/cardholder-0.csv")));

        var history = new AlertHistory(_client, table);
        var (alerts, _) = await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 100);

        Assert.Equal(["object-1", "object-0"], alerts.Select(a => a.EventId));
        Assert.Null(await history.GetAsync("object-3"));
        Assert.Null(await history.GetAsync("object-0-again"));
    }

    [Fact]
    public async Task A_harvest_is_counted_on_its_alerts_until_a_later_harvest_reuses_its_item()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 3, harvest: new HarvestPolicy([10]));
        for (var i = 0; i < 25; i++)
            await store.RecordAsync(TestData.Candidate(TestData.Access($"object-{i}", TestData.T0.AddSeconds(i), key: $"exports/cardholder-{i}.csv")));
        var history = new AlertHistory(_client, table);
        var (first, _) = await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 100);
        // The same principal and source an hour later: a new harvest on the same item.
        await store.RecordAsync(TestData.Candidate(TestData.Access("later", TestData.T0.AddHours(2), key: "exports/cardholder-later.csv")));

        var (after, _) = await history.ListAsync(TestData.T0, TestData.T0.AddHours(3), limit: 100);

        Assert.Equal(["object-2", "object-1", "object-0"], first.Select(a => a.EventId));
        Assert.All(first, a => Assert.Equal(25, a.HarvestObjects));
        Assert.Equal([("later", 1L), ("object-2", 0L), ("object-1", 0L), ("object-0", 0L)], after.Select(a => (a.EventId, a.HarvestObjects)));
    }

    [Fact]
    public async Task A_harvest_of_2000_objects_by_parallel_writers_lists_as_its_burst_limit_of_alerts_in_one_query()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 20, harvest: HarvestPolicy.Default);
        // Eight writers at once, as concurrent Lambdas judge a harvest; the events arrive out of order.
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000).Reverse(), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancel) =>
            await store.RecordAsync(TestData.Candidate(TestData.Access($"object-{i}", TestData.T0.AddMilliseconds(100 * i), key: $"exports/cardholder-{i}.csv")), cancellationToken: cancel));

        using var reader = dynalite.Server.Client();
        var requests = new RequestCounter(reader);
        var (alerts, more) = await new AlertHistory(reader, table).ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 200);

        Assert.Equal(20, alerts.Count);
        Assert.False(more);
        Assert.All(alerts, a => Assert.Equal(2000, a.HarvestObjects));
        Assert.Equal((1, 1, 0), (requests["QueryRequest"], requests["BatchGetItemRequest"], requests["ScanRequest"]));
    }

    [Fact]
    public async Task An_alert_whose_window_a_later_alert_reopened_keeps_its_repeat_count()
    {
        var (store, table) = await NewStoreAsync();
        await store.RecordAsync(TestData.Candidate(TestData.Access("first")));
        await store.RecordAsync(TestData.Candidate(TestData.Access("repeat-1", TestData.T0.AddMinutes(1))));
        await store.RecordAsync(TestData.Candidate(TestData.Access("repeat-2", TestData.T0.AddMinutes(2))));
        await store.RecordAsync(TestData.Candidate(TestData.Access("later", TestData.T0.AddMinutes(40))));
        await store.RecordAsync(TestData.Candidate(TestData.Access("later-repeat", TestData.T0.AddMinutes(41))));

        var (alerts, _) = await new AlertHistory(_client, table).ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 100);

        Assert.Equal([("later", 1L), ("first", 2L)], alerts.Select(a => (a.EventId, a.Repeats)));
    }

    [Fact]
    public async Task A_limit_stops_the_listing_and_says_more_matched()
    {
        var (store, table) = await NewStoreAsync();
        for (var i = 0; i < 5; i++)
            await store.RecordAsync(TestData.Candidate(TestData.Access($"object-{i}", TestData.T0.AddMinutes(i), key: $"exports/cardholder-{i}.csv")));

        var history = new AlertHistory(_client, table);
        var (alerts, more) = await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 2);
        var (kept, _) = await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 10, keep: a => a.Key.EndsWith("-3.csv", StringComparison.Ordinal));

        Assert.Equal(["object-4", "object-3"], alerts.Select(a => a.EventId));
        Assert.True(more);
        Assert.Equal("object-3", Assert.Single(kept).EventId);
    }

    [Fact]
    public async Task An_alert_whose_attempt_failed_after_writing_it_is_not_listed_until_a_retry_decides_it_again()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        using var failing = dynalite.Server.Client();
        var failOnce = true;
        // A response lost after DynamoDB applied the put (a timeout): the attempt fails, the item exists. The SDK
        // cannot be made to lose a real response, so the test throws from its response hook, once.
        failing.AfterResponseEvent += (_, e) =>
        {
            if (failOnce && e is WebServiceResponseEventArgs { Request: PutItemRequest put } && put.Item[DynamoTables.DedupKey].S.StartsWith("alert#", StringComparison.Ordinal))
            {
                failOnce = false;
                throw new AmazonServiceException("injected: response lost after the alert item was written");
            }
        };
        var store = new DynamoDedupStore(failing, table, Window);
        var candidate = TestData.Candidate(TestData.Access("event-1"));

        await Assert.ThrowsAnyAsync<Exception>(() => store.RecordAsync(candidate, "execution-1"));
        var history = new AlertHistory(_client, table);
        Assert.Null(await history.GetAsync("event-1"));
        Assert.Empty((await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 10)).Alerts);

        var retried = await store.RecordAsync(candidate, "execution-1");

        Assert.True(retried.IsFirst);
        Assert.Equal("event-1", Assert.Single((await history.ListAsync(TestData.T0, TestData.T0.AddHours(1), limit: 10)).Alerts).EventId);
    }

    private async Task<(DynamoDedupStore Store, string Table)> NewStoreAsync(int burstLimit = 0, HarvestPolicy? harvest = null)
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        return (new DynamoDedupStore(_client, table, Window, burstLimit, harvest: harvest), table);
    }
}
