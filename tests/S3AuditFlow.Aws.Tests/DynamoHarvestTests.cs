using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Time.Testing;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Aws.Tests;

/// <summary>The harvest item of the DynamoDB dedup store: counted as scan counts it, each threshold notified once.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class DynamoHarvestTests(DynaliteFixture dynalite) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly string[] NoKeys = [];

    private readonly AmazonDynamoDBClient _client = dynalite.Server.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Twenty_racing_writers_crossing_one_threshold_raise_exactly_one_notice()
    {
        // A few rounds, each on a fresh table, so that writers counting past the threshold before either marks it do occur.
        for (var round = 0; round < 5; round++)
        {
            var (store, table) = await NewStoreAsync(harvest: new HarvestPolicy([10]));
            for (var i = 0; i < 9; i++)
                Assert.Null((await store.RecordAsync(Object(i, $"pre-{i}", TimeSpan.FromSeconds(i)))).Harvest);
            var racers = Enumerable.Range(9, 20).Select(i => Object(i, $"race-{i}", TimeSpan.FromSeconds(i))).ToList();

            var start = new TaskCompletionSource();
            var racing = racers.Select(c => Task.Run(async () => { await start.Task; return await store.RecordAsync(c); })).ToList();
            start.SetResult();
            var decisions = await Task.WhenAll(racing);

            var (winner, candidate) = Assert.Single(decisions.Zip(racers), d => d.First.Harvest is not null);
            var notice = winner.Harvest!;
            Assert.Equal(("pre-0", 10L), (notice.HarvestId, notice.Threshold));
            Assert.InRange(notice.Objects, 10, 29);
            var item = (await _client.GetAsync(table, DynamoDedupStore.HarvestItemId(racers[0])))!;
            Assert.Equal("29", item["objects"].N);
            Assert.Equal("10", item["harvestLevel"].N);
            Assert.Equal(candidate.Access.EventId, item["harvestBy"].S);
            Assert.Equal(HarvestNotice.MaxSampleKeys, item["sampleKeys"].L.Count);
        }
    }

    [Fact]
    public async Task A_harvest_of_1200_objects_alerts_the_burst_limit_and_notifies_100_and_1000_exactly_as_scan_does()
    {
        var (store, table) = await NewStoreAsync(burstLimit: 10);
        var scan = new InMemoryDeduplicator(Window, burstLimit: 10, HarvestPolicy.Default);
        // 1,200 objects in 10 minutes: one burst, one harvest; one critical object among high ones, after the first notice.
        var sequence = Enumerable.Range(0, 1200)
            .Select(i => TestData.Candidate(
                TestData.Access($"event-{i:D4}", TestData.T0.AddMilliseconds(500 * i), key: $"exports/cardholder-{i}.csv") with { BytesTransferredOut = 1000 + i },
                i == 500 ? SensitivityLevel.Critical : SensitivityLevel.High))
            .ToList();

        var stored = new List<DedupDecision>();
        foreach (var candidate in sequence)
        {
            var decision = await store.RecordAsync(candidate, "execution-" + candidate.Access.EventId);
            AssertSameDecision(scan.Decide(candidate), decision);
            stored.Add(decision);
        }

        Assert.Equal(10, stored.Count(d => d.IsFirst));
        var notices = stored.Select(d => d.Harvest).OfType<HarvestNotice>().ToList();
        Assert.Equal([100L, 1000L], notices.Select(n => n.Threshold));
        Assert.Equal([100L, 1000L], notices.Select(n => n.Objects));
        Assert.Equal([SumOfBytes(100), SumOfBytes(1000)], notices.Select(n => n.Bytes));
        Assert.Equal([SensitivityLevel.High, SensitivityLevel.Critical], notices.Select(n => n.HighestSensitivity));
        Assert.All(notices, n => Assert.Equal(Enumerable.Range(0, 10).Select(i => $"exports/cardholder-{i}.csv"), n.SampleKeys));
        Assert.All(notices, n => Assert.Equal(("event-0000", "role/etl", TestData.Role().Arn, "10.1.2.3", TestData.Bucket, "succeeded"),
            (n.HarvestId, n.Principal, n.PrincipalArn, n.Source, n.Bucket, n.Outcome)));
        Assert.Equal((TestData.T0, TestData.T0.AddMilliseconds(500 * 999)), (notices[1].FirstTime, notices[1].LastTime));
        Assert.Equal("event-0099", stored.Zip(sequence).Single(d => d.First.Harvest?.Threshold == 100).Second.Access.EventId);
        var item = (await _client.GetAsync(table, DynamoDedupStore.HarvestItemId(sequence[0])))!;
        Assert.Equal(("1200", "1000", "event-0999"), (item["objects"].N, item["harvestLevel"].N, item["harvestBy"].S));
    }

    [Fact]
    public async Task A_slow_harvest_stays_one_harvest_and_a_gap_of_a_window_starts_a_new_one()
    {
        var (store, table) = await NewStoreAsync();
        var scan = new InMemoryDeduplicator(Window, harvest: HarvestPolicy.Default);
        // One read every 10 minutes, 120 reads: 20 hours, 80 windows, one harvest.
        var sequence = Enumerable.Range(0, 120).Select(i => Object(i, $"slow-{i:D3}", TimeSpan.FromMinutes(10 * i))).ToList();
        var notices = new List<HarvestNotice>();
        foreach (var candidate in sequence)
        {
            var decision = await store.RecordAsync(candidate);
            AssertSameDecision(scan.Decide(candidate), decision);
            if (decision.Harvest is { } notice)
                notices.Add(notice);
        }

        var crossed = Assert.Single(notices);
        Assert.Equal(("slow-000", 100L, 100L), (crossed.HarvestId, crossed.Threshold, crossed.Objects));
        Assert.Equal(TestData.T0.AddMinutes(990), crossed.LastTime);
        var id = DynamoDedupStore.HarvestItemId(sequence[0]);
        Assert.Equal(("slow-000", "120"), Harvest(await _client.GetAsync(table, id)));

        // The last read was at 1190 minutes: a read a whole window later is a new harvest.
        var after = Object(120, "after-gap", TimeSpan.FromMinutes(1190) + Window);
        var next = await store.RecordAsync(after);
        AssertSameDecision(scan.Decide(after), next);
        var item = await _client.GetAsync(table, id);
        Assert.Equal(("after-gap", "1"), Harvest(item));
        Assert.False(item!.ContainsKey("harvestLevel"));
    }

    [Fact]
    public async Task Out_of_order_reads_count_on_the_harvest_without_shrinking_its_expiry()
    {
        var (store, table) = await NewStoreAsync(harvest: new HarvestPolicy([5]));
        var id = DynamoDedupStore.HarvestItemId(Object(0, "x"));
        await store.RecordAsync(Object(0, "a", TimeSpan.Zero));
        await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(10)));

        // Earlier than the last read, then earlier than the first: both counted; the expiry stays 15 minutes after the last.
        await store.RecordAsync(Object(2, "c", TimeSpan.FromMinutes(5)));
        await store.RecordAsync(Object(3, "d", TimeSpan.FromMinutes(-3)));

        var item = (await _client.GetAsync(table, id))!;
        Assert.Equal(("a", "4"), Harvest(item));
        Assert.Equal(DedupItems.Millis(TestData.T0.AddMinutes(10) + Window), item["expiresAt"].N);
        Assert.Equal(DedupItems.Millis(TestData.T0.AddMinutes(10)), item["lastTime"].N);
        Assert.Equal(DedupItems.Millis(TestData.T0.AddMinutes(-3)), item["firstTime"].N);
        // So a read 24 minutes in (14 after the last) still continues it and crosses 5.
        var fifth = await store.RecordAsync(Object(4, "e", TimeSpan.FromMinutes(24)));
        var notice = fifth.Harvest!;
        Assert.Equal(("a", 5L), (notice.HarvestId, notice.Objects));
        Assert.Equal((TestData.T0.AddMinutes(-3), TestData.T0.AddMinutes(24)), (notice.FirstTime, notice.LastTime));
        Assert.Equal(["exports/cardholder-0.csv", "exports/cardholder-1.csv", "exports/cardholder-2.csv", "exports/cardholder-3.csv", "exports/cardholder-4.csv"],
            notice.SampleKeys);
    }

    [Fact]
    public async Task A_retry_in_the_same_execution_gets_the_notice_again_and_another_execution_gets_a_duplicate_without_one()
    {
        var (store, _) = await NewStoreAsync(harvest: new HarvestPolicy([2]));
        await store.RecordAsync(Object(0, "a"), "execution-a");
        var crossing = await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(1)), "execution-b");
        Assert.NotNull(crossing.Harvest);

        var retry = await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(1)), "execution-b");
        var redelivered = await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(1)), "execution-c");

        AssertSameDecision(crossing, retry);
        Assert.False(redelivered.IsFirst);
        Assert.Equal("eventID b already seen", redelivered.Reason);
        Assert.Null(redelivered.Harvest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_retry_after_the_crossing_writer_died_before_storing_its_decision_re_emits_the_notice(int burstLimit)
    {
        // burstLimit 0: the crossing object alerted; 1: it was suppressed, and its access item now points at the burst's alert.
        var (store, table) = await NewStoreAsync(burstLimit, new HarvestPolicy([2]));
        await store.RecordAsync(Object(0, "a"), "execution-a");
        var crossing = await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(1)), "execution-b");
        Assert.Equal(2L, crossing.Harvest?.Threshold);
        await _client.ForgetDecisionAsync(table, "b");

        var retry = await store.RecordAsync(Object(1, "b", TimeSpan.FromMinutes(1)), "execution-b");

        Assert.Equal((crossing.IsFirst, crossing.RepeatsEventId, crossing.Reason), (retry.IsFirst, retry.RepeatsEventId, retry.Reason));
        Assert.Equal(("a", 2L), (retry.Harvest?.HarvestId, retry.Harvest?.Threshold));
        // Another event reaching the threshold's count does not notify it again.
        Assert.Null((await store.RecordAsync(Object(2, "c", TimeSpan.FromMinutes(2)), "execution-c")).Harvest);
    }

    [Fact]
    public async Task Harvest_off_writes_no_harvest_item()
    {
        var (counting, countingTable) = await NewStoreAsync();
        var (off, offTable) = await NewStoreAsync(harvest: HarvestPolicy.Off);

        await counting.RecordAsync(Object(0, "a"));
        var decision = await off.RecordAsync(Object(0, "a"));

        Assert.True(decision.IsFirst);
        Assert.NotNull(await _client.GetAsync(countingTable, DynamoDedupStore.HarvestItemId(Object(0, "a"))));
        var items = await _client.ScanAsync(new ScanRequest { TableName = offTable, ConsistentRead = true });
        Assert.DoesNotContain(items.Items, i => i["id"].S.StartsWith("harvest#", StringComparison.Ordinal));
        Assert.Contains(items.Items, i => i["id"].S.StartsWith("access#", StringComparison.Ordinal));
    }

    private static long SumOfBytes(int objects) => Enumerable.Range(0, objects).Sum(i => 1000L + i);

    private static (string?, string?) Harvest(Dictionary<string, AttributeValue>? item) => (item?["harvestId"].S, item?["objects"].N);

    /// <summary>As if the attempt had died after its dedup writes, before storing its decision on the event item.</summary>
    [Fact]
    public async Task An_attempt_that_fails_after_counting_takes_its_object_off_the_harvest_so_the_redrive_counts_it_once()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        using var failing = dynalite.Server.Client();
        var failPointer = true;
        // The one stand-in: a real dynalite, but the write that points a suppressed object at its burst fails, as a
        // throttled or unreachable DynamoDB would, after the object was counted on the harvest.
        failing.BeforeRequestEvent += (_, e) =>
        {
            if (failPointer && e is Amazon.Runtime.WebServiceRequestEventArgs { Request: UpdateItemRequest { UpdateExpression: var update } } && update.Contains("viaBurst", StringComparison.Ordinal))
                throw new Core.Stores.StoreUnavailableException("injected: DynamoDB unreachable");
        };
        var store = new DynamoDedupStore(failing, table, Window, burstLimit: 1, new FakeTimeProvider(TestData.T0), new HarvestPolicy([3]));
        var scan = new InMemoryDeduplicator(Window, burstLimit: 1, new HarvestPolicy([3]));
        var (a, b, c) = (Object(0, "a"), Object(1, "b", TimeSpan.FromSeconds(1)), Object(2, "c", TimeSpan.FromSeconds(2)));

        var first = await store.RecordAsync(a, "execution-1");
        await Assert.ThrowsAsync<Core.Stores.StoreUnavailableException>(() => store.RecordAsync(b, "execution-2"));
        Assert.Equal("1", (await _client.GetAsync(table, DynamoDedupStore.HarvestItemId(a)))!["objects"].N);
        failPointer = false;
        var redriven = await store.RecordAsync(b, "execution-replay");
        var third = await store.RecordAsync(c, "execution-3");

        AssertSameDecision(scan.Decide(a), first);
        AssertSameDecision(scan.Decide(b), redriven);
        AssertSameDecision(scan.Decide(c), third);
        Assert.Equal(3, third.Harvest?.Objects);
        Assert.Equal("3", (await _client.GetAsync(table, DynamoDedupStore.HarvestItemId(a)))!["objects"].N);
    }

    [Fact]
    public async Task An_event_at_the_end_of_time_is_decided_as_scan_decides_it_instead_of_failing_the_step()
    {
        var (store, _) = await NewStoreAsync(burstLimit: 10, harvest: new HarvestPolicy([2]));
        var scan = new InMemoryDeduplicator(Window, burstLimit: 10, new HarvestPolicy([2]));
        var late = new DateTimeOffset(9999, 12, 31, 23, 59, 0, TimeSpan.Zero);
        var first = TestData.Candidate(TestData.Access("late-1", late, key: "exports/cardholder-1.csv"));
        var second = TestData.Candidate(TestData.Access("late-2", late, key: "exports/cardholder-2.csv"));

        AssertSameDecision(scan.Decide(first), await store.RecordAsync(first));
        AssertSameDecision(scan.Decide(second), await store.RecordAsync(second));
    }

    /// <summary>Scan and AWS decide alike; notices compared field by field (their sample keys are lists).</summary>
    private static void AssertSameDecision(DedupDecision expected, DedupDecision actual)
    {
        Assert.Equal(expected with { Harvest = null }, actual with { Harvest = null });
        if (expected.Harvest is null)
        {
            Assert.Null(actual.Harvest);
            return;
        }
        Assert.NotNull(actual.Harvest);
        Assert.Equal(expected.Harvest with { SampleKeys = NoKeys }, actual.Harvest with { SampleKeys = NoKeys });
        Assert.Equal(expected.Harvest.SampleKeys, actual.Harvest.SampleKeys);
    }

    private async Task<(DynamoDedupStore Store, string Table)> NewStoreAsync(int burstLimit = 0, HarvestPolicy? harvest = null)
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        return (new DynamoDedupStore(_client, table, Window, burstLimit, new FakeTimeProvider(TestData.T0), harvest), table);
    }

    private static AlertCandidate Object(int i, string eventId, TimeSpan after = default) =>
        TestData.Candidate(TestData.Access(eventId, TestData.T0 + after, key: $"exports/cardholder-{i}.csv"));


}
