using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Time.Testing;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

[Collection(DynaliteCollection.Name)]
public sealed class DynamoDedupStoreTests(DynaliteFixture dynalite) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly AmazonDynamoDBClient _client = dynalite.Server.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task First_occurrence_of_an_access_is_first()
    {
        var (store, _) = await NewStoreAsync();

        var decision = await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")));

        Assert.True(decision.IsFirst);
        Assert.Null(decision.RepeatsEventId);
    }

    [Fact]
    public async Task The_same_access_within_the_window_is_a_duplicate_counted_on_the_first_alert()
    {
        var (store, table) = await NewStoreAsync();
        var first = TestData.Candidate(TestData.Access("event-1"));
        await store.RecordAsync(first);

        var second = await store.RecordAsync(TestData.Candidate(TestData.Access("event-2", TestData.T0.AddMinutes(5))));
        var third = await store.RecordAsync(TestData.Candidate(TestData.Access("event-3", TestData.T0.AddMinutes(14))));

        Assert.False(second.IsFirst);
        Assert.Equal("event-1", second.RepeatsEventId);
        Assert.Equal("repeats alert event-1: same principal, source and object within 15 min", second.Reason);
        Assert.Equal("event-1", third.RepeatsEventId);
        var item = await _client.GetAsync(table, DynamoDedupStore.AccessItemId(first));
        Assert.NotNull(item);
        Assert.Equal("event-1", item["eventId"].S);
        Assert.Equal("2025-03-01T12:00:00.000Z", item["eventTime"].S);
        Assert.Equal("GetObject", item["eventName"].S);
        Assert.Equal("role/etl", item["principal"].S);
        Assert.Equal(TestData.Role().Arn, item["principalArn"].S);
        Assert.Equal("10.1.2.3", item["source"].S);
        Assert.Equal(TestData.Bucket, item["bucket"].S);
        Assert.Equal(TestData.SensitiveKey, item["key"].S);
        Assert.Equal("critical", item["severity"].S);
        Assert.Equal("2", item["duplicates"].N);
        Assert.Equal(DedupItems.Millis(TestData.T0 + Window), item["expiresAt"].N);
        Assert.Equal(Seconds(TestData.T0 + Window + DynamoDedupStore.Retention), item["ttl"].N);
    }

    [Fact]
    public async Task The_same_event_ID_twice_is_a_duplicate_already_seen_and_is_not_counted()
    {
        var (store, table) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));
        await store.RecordAsync(candidate);

        var again = await store.RecordAsync(candidate);

        Assert.False(again.IsFirst);
        Assert.Equal("event-1", again.RepeatsEventId);
        Assert.Equal("eventID event-1 already seen", again.Reason);
        Assert.Equal("0", (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidate)))!["duplicates"].N);
        var idempotency = await _client.GetAsync(table, "event#event-1");
        Assert.NotNull(idempotency);
        Assert.Equal(Seconds(TestData.T0 + Window + DynamoDedupStore.Retention), idempotency["ttl"].N);
    }

    [Fact]
    public async Task After_the_window_by_event_time_the_access_alerts_again_though_the_old_item_still_exists()
    {
        var (store, table) = await NewStoreAsync();
        var first = TestData.Candidate(TestData.Access("event-1"));
        await store.RecordAsync(first);
        await store.RecordAsync(TestData.Candidate(TestData.Access("event-2", TestData.T0.AddMinutes(1))));

        // dynalite has no TTL and real DynamoDB deletes expired items up to days late: the old item is still there.
        var old = await _client.GetAsync(table, DynamoDedupStore.AccessItemId(first));
        Assert.NotNull(old);
        Assert.Equal("event-1", old["eventId"].S);
        var later = await store.RecordAsync(TestData.Candidate(TestData.Access("event-3", TestData.T0 + Window)));

        Assert.True(later.IsFirst);
        var item = await _client.GetAsync(table, DynamoDedupStore.AccessItemId(first));
        Assert.Equal("event-3", item!["eventId"].S);
        Assert.Equal("0", item["duplicates"].N);
        Assert.Equal(DedupItems.Millis(TestData.T0 + Window + Window), item["expiresAt"].N);
        // The new alert opens a new window: a repeat within it names the new alert.
        var repeat = await store.RecordAsync(TestData.Candidate(TestData.Access("event-4", TestData.T0 + Window + TimeSpan.FromMinutes(1))));
        Assert.Equal("event-3", repeat.RepeatsEventId);
    }

    [Fact]
    public async Task A_different_key_principal_source_or_VPC_endpoint_is_a_separate_first_occurrence()
    {
        var (store, _) = await NewStoreAsync();
        var accesses = new[]
        {
            TestData.Access("event-1"),
            TestData.Access("event-2", key: "exports/cardholder-2025-04.csv"),
            TestData.Access("event-3", bucket: "payments-archive"),
            TestData.Access("event-4", principal: TestData.Role("reporting")),
            TestData.Access("event-5", sourceIp: "203.0.113.9"),
            TestData.Access("event-6", vpcEndpoint: "vpce-0abc123"),
        };

        var decisions = new List<DedupDecision>();
        foreach (var access in accesses)
            decisions.Add(await store.RecordAsync(TestData.Candidate(access)));

        Assert.All(decisions, d => Assert.True(d.IsFirst));
    }

    [Fact]
    public async Task Twenty_parallel_evaluations_of_the_same_access_produce_exactly_one_alert()
    {
        var (store, table) = await NewStoreAsync();
        var candidates = Enumerable.Range(1, 20)
            .Select(i => TestData.Candidate(TestData.Access($"event-{i}", TestData.T0.AddSeconds(i))))
            .ToList();

        var decisions = await Task.WhenAll(candidates.Select(c => Task.Run(() => store.RecordAsync(c))));

        var winner = Assert.Single(decisions.Zip(candidates), d => d.First.IsFirst).Second.Access.EventId;
        Assert.All(decisions.Where(d => !d.IsFirst), d => Assert.Equal(winner, d.RepeatsEventId));
        var item = await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidates[0]));
        Assert.Equal(winner, item!["eventId"].S);
        Assert.Equal("19", item["duplicates"].N);
    }

    [Fact]
    public async Task The_same_event_delivered_to_parallel_evaluations_alerts_once()
    {
        var (store, table) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));

        var decisions = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => store.RecordAsync(candidate))));

        Assert.Single(decisions, d => d.IsFirst);
        // A loser may find the winner still deciding; either way the reason says the event ID was seen.
        Assert.All(decisions.Where(d => !d.IsFirst), d => Assert.StartsWith("eventID event-1 already seen", d.Reason, StringComparison.Ordinal));
        Assert.Equal("0", (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidate)))!["duplicates"].N);
    }

    [Fact]
    public async Task Item_ID_is_a_fixed_size_hash_even_for_a_very_long_key()
    {
        var (store, _) = await NewStoreAsync();
        // An S3 key may be 1024 bytes; with an ARN and a bucket it would not fit a 2048-byte partition key as text.
        var candidate = TestData.Candidate(TestData.Access(key: "cardholder/" + new string('k', 1013)));

        var decision = await store.RecordAsync(candidate);

        Assert.True(decision.IsFirst);
        Assert.Matches("^access#[0-9a-f]{64}$", DynamoDedupStore.AccessItemId(candidate));
    }

    [Fact]
    public async Task An_access_item_without_expiresAt_is_replaced_by_a_new_alert()
    {
        // An item edited by hand or left by an older version must not block every later alert for the access.
        var (store, table) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new() { ["id"] = new() { S = DynamoDedupStore.AccessItemId(candidate) }, ["eventId"] = new() { S = "event-0" } },
        });

        var decision = await store.RecordAsync(candidate);

        Assert.True(decision.IsFirst);
        var item = await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidate));
        Assert.Equal("event-1", item!["eventId"].S);
    }

    [Fact]
    public async Task A_stopped_server_gives_a_typed_error_not_a_decision()
    {
        // This test stops its server, so it runs its own rather than the shared one.
        using var server = DynaliteServer.Start();
        var table = await server.CreateDedupTableAsync();
        using var client = server.Client();
        var store = new DynamoDedupStore(client, table, Window);
        Assert.True((await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")))).IsFirst);

        server.Stop();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RecordAsync(TestData.Candidate(TestData.Access("event-2", TestData.T0.AddMinutes(1)))));

        Assert.StartsWith($"writing to {table} failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.InnerException!.GetType().Name, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A store whose clock stands at the events' time, as it would when judging them live.</summary>
    [Fact]
    public async Task Past_the_burst_limit_an_object_writes_its_burst_item_once_since_one_item_takes_at_most_1000_writes_a_second()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        using var client = dynalite.Server.Client();
        var burstId = DynamoDedupStore.BurstItemId(Object(0, "a"));
        var burstWrites = 0;
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs { Request: var request }
                && (request is UpdateItemRequest { Key: var key } && key["id"].S == burstId || request is PutItemRequest { Item: var item } && item["id"].S == burstId))
                Interlocked.Increment(ref burstWrites);
        };
        var store = new DynamoDedupStore(client, table, Window, burstLimit: 2, new FakeTimeProvider(TestData.T0));
        await store.RecordAsync(Object(0, "a"));
        await store.RecordAsync(Object(1, "b"));

        var before = burstWrites;
        var suppressed = await store.RecordAsync(Object(2, "c"));

        Assert.False(suppressed.IsFirst);
        Assert.Equal(1, burstWrites - before);
    }

    private async Task<(DynamoDedupStore Store, string Table)> NewStoreAsync(int burstLimit = 0)
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        return (new DynamoDedupStore(_client, table, Window, burstLimit, new FakeTimeProvider(TestData.T0)), table);
    }

    private static AlertCandidate Object(int i, string eventId, int minutes = 0) =>
        TestData.Candidate(TestData.Access(eventId, TestData.T0.AddMinutes(minutes), key: $"exports/cardholder-{i}.csv"));

    [Fact]
    public async Task A_retried_burst_alert_whose_reply_was_lost_is_an_alert_again_and_counts_once()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 2);
        await store.RecordAsync(Object(0, "a"), "execution-a");
        Assert.True((await store.RecordAsync(Object(1, "b"), "execution-b")).IsFirst);

        var retry = await store.RecordAsync(Object(1, "b"), "execution-b");

        Assert.True(retry.IsFirst);
        var burst = (await _client.GetAsync(table, DynamoDedupStore.BurstItemId(Object(0, "a"))))!;
        Assert.Equal(("2", "0"), (burst["alerts"].N, burst["suppressed"].N));
    }

    [Fact]
    public async Task A_retry_after_an_attempt_died_before_storing_its_decision_is_still_recognised()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 2);
        await store.RecordAsync(Object(0, "a"), "execution-a");
        await store.RecordAsync(Object(1, "b"), "execution-b");
        // As if the first attempt of b died after its burst write: no decision on its event item.
        await _client.ForgetDecisionAsync(table, "b");

        var retry = await store.RecordAsync(Object(1, "b"), "execution-b");

        Assert.True(retry.IsFirst);
        var burst = (await _client.GetAsync(table, DynamoDedupStore.BurstItemId(Object(0, "a"))))!;
        Assert.Equal(("2", "0"), (burst["alerts"].N, burst["suppressed"].N));
    }

    [Fact]
    public async Task An_undecided_claim_is_taken_over_once_stale_but_not_while_fresh()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var clock = new FakeTimeProvider(TestData.T0);
        var store = new DynamoDedupStore(_client, table, Window, time: clock);
        // A claim whose attempt died without deciding or releasing it (Lambda timeout).
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = DedupItems.EventItem("event-1", "execution-1", "claimed", TestData.T0),
        });

        Assert.False((await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-2")).IsFirst);
        clock.Advance(DynamoDedupStore.StaleClaim + TimeSpan.FromSeconds(1));
        Assert.True((await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-3")).IsFirst);
    }

    [Fact]
    public async Task A_suppressed_object_is_decided_as_scan_decides_it_during_and_after_its_burst()
    {
        var (store, _) = await NewStoreAsync(burstLimit: 1);
        var scan = new InMemoryDeduplicator(Window, burstLimit: 1);
        AlertCandidate[] sequence = [Object(0, "f"), Object(1, "s1", 10), Object(1, "s2", 12), Object(1, "s3", 20)];

        foreach (var candidate in sequence)
        {
            var stored = await store.RecordAsync(candidate);
            var scanned = scan.Decide(candidate);
            Assert.Equal(scanned, stored);
        }
    }

    [Fact]
    public async Task A_burst_item_missing_its_fields_is_replaced_rather_than_blocking_alerts()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 2);
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new() { ["id"] = new() { S = DynamoDedupStore.BurstItemId(Object(0, "a")) }, ["alerts"] = new() { N = "99" } },
        });

        Assert.True((await store.RecordAsync(Object(0, "a"))).IsFirst);
        Assert.Equal("a", (await _client.GetAsync(table, DynamoDedupStore.BurstItemId(Object(0, "a"))))!["firstEventId"].S);
    }

    [Fact]
    public async Task Items_of_replayed_old_events_live_a_retention_period_from_now()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var now = TestData.T0.AddDays(30);
        var store = new DynamoDedupStore(_client, table, Window, time: new FakeTimeProvider(now));
        var candidate = TestData.Candidate(TestData.Access("event-1"));

        await store.RecordAsync(candidate);

        Assert.Equal(Seconds(now + Window + DynamoDedupStore.Retention), (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidate)))!["ttl"].N);
    }

    [Fact]
    public async Task A_retry_within_the_same_execution_is_the_first_occurrence_again_so_the_alert_is_not_lost()
    {
        // Step Functions retries Lambda.* errors even when the function had finished its writes.
        var (store, table) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));
        Assert.True((await store.RecordAsync(candidate, "execution-1")).IsFirst);

        var retry = await store.RecordAsync(candidate, "execution-1");

        Assert.True(retry.IsFirst);
        Assert.Equal("0", (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidate)))!["duplicates"].N);
    }

    [Fact]
    public async Task The_same_event_in_another_execution_is_a_duplicate()
    {
        var (store, _) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));
        await store.RecordAsync(candidate, "execution-1");

        var redelivered = await store.RecordAsync(candidate, "execution-2");

        Assert.False(redelivered.IsFirst);
        Assert.Equal("eventID event-1 already seen", redelivered.Reason);
    }

    [Fact]
    public async Task A_repeat_delivered_again_to_another_execution_names_the_alert_it_repeats_as_scan_does()
    {
        var (store, _) = await NewStoreAsync();
        await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-1");
        var repeat = TestData.Candidate(TestData.Access("event-2", TestData.T0.AddMinutes(1)));
        Assert.Equal("event-1", (await store.RecordAsync(repeat, "execution-2")).RepeatsEventId);

        var redelivered = await store.RecordAsync(repeat, "execution-3");

        Assert.False(redelivered.IsFirst);
        Assert.Equal("event-1", redelivered.RepeatsEventId);
        Assert.Equal("eventID event-2 already seen", redelivered.Reason);
        // An alert delivered again names itself: it is the alert.
        Assert.Equal("event-1", (await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-4")).RepeatsEventId);
    }

    [Fact]
    public async Task An_event_another_execution_is_still_deciding_names_no_alert_and_says_so()
    {
        var (store, table) = await NewStoreAsync();
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = DedupItems.EventItem("event-1", "execution-1", "claimed", TestData.T0.AddYears(100)),
        });

        var decision = await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-2");

        Assert.False(decision.IsFirst);
        Assert.Null(decision.RepeatsEventId);
        Assert.Equal("eventID event-1 already seen; the execution holding it has not decided it yet", decision.Reason);
    }

    [Fact]
    public async Task The_holders_item_comes_back_with_the_failed_claim_so_no_second_read_is_made()
    {
        using var endpoint = FakeDynamoEndpoint.Start((operation, _) => operation == "UpdateItem"
            ? (400, """{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"id":{"S":"event#event-2"},"decision":{"S":"duplicate"},"alertId":{"S":"event-1"}}}""", "ConditionalCheckFailedException")
            : FakeDynamoEndpoint.Ok());
        using var client = new AwsTarget(EndpointUrl: endpoint.Url).CreateDynamoDb();
        var store = new DynamoDedupStore(client, "s3auditflow-dedup", Window);

        var decision = await store.RecordAsync(TestData.Candidate(TestData.Access("event-2")), "execution-2");

        Assert.Equal("event-1", decision.RepeatsEventId);
        Assert.Contains("\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"", Assert.Single(endpoint.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_released_claim_is_judged_afresh_when_the_event_is_driven_again()
    {
        var (store, table) = await NewStoreAsync();
        var candidate = TestData.Candidate(TestData.Access("event-1"));
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = DedupItems.EventItem("event-1", "execution-1", "released", TestData.T0),
        });

        var decision = await store.RecordAsync(candidate, "execution-2");

        Assert.True(decision.IsFirst);
    }

    [Fact]
    public async Task A_successful_read_after_a_refused_attempt_alerts_again()
    {
        var (store, _) = await NewStoreAsync();
        var refused = TestData.Access("event-1") with { ErrorCode = "AccessDenied" };
        await store.RecordAsync(TestData.Candidate(refused));

        var read = await store.RecordAsync(TestData.Candidate(TestData.Access("event-2", TestData.T0.AddMinutes(1))));

        Assert.True(read.IsFirst);
    }

    [Fact]
    public async Task Past_the_burst_limit_new_objects_are_counted_on_the_bursts_first_alert()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, Window, burstLimit: 3);
        var candidates = Enumerable.Range(0, 5)
            .Select(i => TestData.Candidate(TestData.Access($"event-{i}", TestData.T0.AddSeconds(i), key: $"exports/cardholder-{i}.csv")))
            .ToList();

        var decisions = new List<DedupDecision>();
        foreach (var candidate in candidates)
            decisions.Add(await store.RecordAsync(candidate));

        Assert.Equal([true, true, true, false, false], decisions.Select(d => d.IsFirst));
        Assert.All(decisions.Skip(3), d => Assert.Equal("event-0", d.RepeatsEventId));
        Assert.StartsWith("burst: 3 alerts already raised", decisions[4].Reason, StringComparison.Ordinal);
        var burst = (await _client.GetAsync(table, DynamoDedupStore.BurstItemId(candidates[0])))!;
        Assert.Equal(("3", "2"), (burst["alerts"].N, burst["suppressed"].N));
        // Every object touched keeps its access item; a suppressed one points at the alert that was published.
        Assert.Equal("event-0", (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(candidates[4])))!["eventId"].S);
        // A new window starts a new burst.
        var later = TestData.Candidate(TestData.Access("event-9", TestData.T0 + Window, key: "exports/cardholder-9.csv"));
        Assert.True((await store.RecordAsync(later)).IsFirst);
    }

    [Fact]
    public async Task Racing_writers_on_one_burst_raise_exactly_the_limit_of_alerts()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, Window, burstLimit: 5);
        var candidates = Enumerable.Range(0, 20)
            .Select(i => TestData.Candidate(TestData.Access($"event-{i}", key: $"exports/cardholder-{i}.csv")))
            .ToList();

        var decisions = await Task.WhenAll(candidates.Select(c => Task.Run(() => store.RecordAsync(c))));

        Assert.Equal(5, decisions.Count(d => d.IsFirst));
        Assert.Equal("15", (await _client.GetAsync(table, DynamoDedupStore.BurstItemId(candidates[0])))!["suppressed"].N);
    }



    private static string Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
