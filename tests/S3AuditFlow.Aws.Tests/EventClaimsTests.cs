using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Time.Testing;
using S3AuditFlow.Aws.Dedup;

namespace S3AuditFlow.Aws.Tests;

/// <summary>The event item's states (<see cref="EventClaims"/>' table), one row and transition at a time, against dynalite.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class EventClaimsTests(DynaliteFixture dynalite) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly AmazonDynamoDBClient _client = dynalite.Server.Client();
    private readonly FakeTimeProvider _clock = new(TestData.T0);

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Each_step_of_a_judged_event_leaves_its_status_on_the_item()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, Window, time: _clock);

        await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-1");

        var item = (await _client.GetAsync(table, "event#event-1"))!;
        Assert.Equal(("decided", "alert", "event-1", "execution-1"), (item["status"].S, item["decision"].S, item["alertId"].S, item["executionId"].S));
    }

    [Fact]
    public async Task A_decided_event_is_never_taken_over_however_old_its_claim()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, Window, time: _clock);
        await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-1");
        _clock.Advance(DynamoDedupStore.StaleClaim * 10);

        var redelivered = await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-2");

        Assert.False(redelivered.IsFirst);
        Assert.Equal("event-1", redelivered.RepeatsEventId);
        Assert.Equal("execution-1", (await _client.GetAsync(table, "event#event-1"))!["executionId"].S);
    }

    [Fact]
    public async Task A_retry_renews_its_own_claim_so_a_slow_retry_is_not_taken_for_a_dead_attempt()
    {
        var (table, claims) = await NewClaimsAsync();
        await Put(table, DedupItems.EventItem("event-1", "execution-1", "claimed", TestData.T0 - TimeSpan.FromMinutes(4)));

        Assert.Equal(new EventClaim.Won(Retry: true), await claims.ClaimAsync(TestData.Access("event-1"), "execution-1", default));
        Assert.Equal(DedupItems.Millis(TestData.T0), (await _client.GetAsync(table, "event#event-1"))!["claimedAt"].N);
        // 6 minutes after the first attempt claimed it, but 2 after the retry renewed it: still held.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.IsType<EventClaim.HeldElsewhere>(await claims.ClaimAsync(TestData.Access("event-1"), "execution-2", default));
    }

    [Fact]
    public async Task Only_the_holder_releases_or_decides_a_claim()
    {
        var (table, claims) = await NewClaimsAsync();
        var dedup = new DedupTable(_client, table, Window, DynamoDedupStore.Retention, _clock);
        await Put(table, DedupItems.EventItem("event-1", "execution-2", "claimed", TestData.T0));

        // execution-1's claim went stale and execution-2 took it over; execution-1's late cleanup and decision must not touch it.
        await dedup.BestEffortAsync(
        [
            EventClaims.Release("event-1", "execution-1"),
            EventClaims.Decide("event-1", "execution-1", new Core.Dedup.DedupDecision(true, null, "")),
        ]);

        var item = (await _client.GetAsync(table, "event#event-1"))!;
        Assert.Equal(("claimed", "execution-2", false), (item["status"].S, item["executionId"].S, item.ContainsKey("decision")));
        Assert.IsType<EventClaim.HeldElsewhere>(await claims.ClaimAsync(TestData.Access("event-1"), "execution-3", default));
    }

    [Fact]
    public async Task Items_written_before_status_existed_keep_their_meaning()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, Window, time: _clock);
        var released = DedupItems.EventItem("event-1", "execution-1", null, TestData.T0);
        released["released"] = new AttributeValue { BOOL = true };
        var decided = DedupItems.EventItem("event-2", "execution-1", null, TestData.T0);
        decided["decision"] = new AttributeValue { S = "duplicate" };
        decided["alertId"] = new AttributeValue { S = "event-0" };
        decided["reason"] = new AttributeValue { S = "an earlier reason" };
        var live = DedupItems.EventItem("event-3", "execution-1", null, TestData.T0);
        await Put(table, released);
        await Put(table, decided);
        await Put(table, live);

        Assert.True((await store.RecordAsync(TestData.Candidate(TestData.Access("event-1")), "execution-2")).IsFirst);
        var again = await store.RecordAsync(TestData.Candidate(TestData.Access("event-2")), "execution-1");
        var elsewhere = await store.RecordAsync(TestData.Candidate(TestData.Access("event-2")), "execution-3");

        Assert.Equal((false, "event-0", "an earlier reason"), (again.IsFirst, again.RepeatsEventId, again.Reason));
        Assert.Equal((false, "event-0"), (elsewhere.IsFirst, elsewhere.RepeatsEventId));
        // A live claim of the old version, mid-rollout: held until stale, then taken; its own execution may retry it.
        // Another object than event-1's, so only the claim (not the access window) decides.
        var otherRead = TestData.Access("event-3", key: "exports/cardholder-2024.csv");
        var held = await store.RecordAsync(TestData.Candidate(otherRead), "execution-2");
        Assert.Equal((false, true), (held.IsFirst, held.SameEvent));
        Assert.True((await store.RecordAsync(TestData.Candidate(otherRead), "execution-1")).IsFirst);
    }

    [Fact]
    public async Task A_release_also_sets_the_old_released_flag_so_a_rolled_back_version_can_claim_it()
    {
        var (table, _) = await NewClaimsAsync();
        var dedup = new DedupTable(_client, table, Window, DynamoDedupStore.Retention, _clock);
        await Put(table, DedupItems.EventItem("event-1", "execution-1", "claimed", TestData.T0));

        await dedup.BestEffortAsync([EventClaims.Release("event-1", "execution-1")]);

        var item = (await _client.GetAsync(table, "event#event-1"))!;
        Assert.Equal(("released", true), (item["status"].S, item["released"].BOOL));
    }

    private async Task<(string Table, EventClaims Claims)> NewClaimsAsync()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        return (table, new EventClaims(new DedupTable(_client, table, Window, DynamoDedupStore.Retention, _clock), DynamoDedupStore.StaleClaim));
    }

    private Task Put(string table, Dictionary<string, AttributeValue> item) => _client.PutItemAsync(new PutItemRequest { TableName = table, Item = item });
}
