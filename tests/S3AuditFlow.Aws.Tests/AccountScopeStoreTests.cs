using Amazon.DynamoDBv2;
using Microsoft.Extensions.Time.Testing;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

/// <summary>Account scopes in the config table (what the steps read, how often) and the account in the dedup table's keys.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class AccountScopeStoreTests(DynaliteFixture dynalite) : IDisposable
{
    private const string Other = "444455556666";

    private readonly AmazonDynamoDBClient _client = dynalite.Server.Client();

    public void Dispose() => _client.Dispose();

    /// <summary>The same read (role etl, bucket payments, same key) logged for <paramref name="account"/>.</summary>
    private static S3Access ReadIn(string account, string eventId = "event-1", int seconds = 0) =>
        TestData.Access(eventId, TestData.T0.AddSeconds(seconds), principal: TestData.Role() with
        {
            Arn = $"arn:aws:sts::{account}:assumed-role/etl/session-1",
            IssuerArn = $"arn:aws:iam::{account}:role/etl",
            AccountId = account,
        }) with { RecipientAccountId = account };

    [Fact]
    public async Task The_steps_read_global_account_bucket_and_bucket_in_account_each_once_per_cache_period()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        var store = new DynamoConfigStore(_client, table);
        await store.PutAsync(
        [
            new AllowlistEntry(EntryKind.Source, "10.0.0.0/8"),
            new AllowlistEntry(EntryKind.Principal, "etl", Account: TestData.Account),
            new AllowlistEntry(EntryKind.Principal, "etl", Account: Other, Bucket: "elsewhere"),
        ],
        [
            new SensitivityRule(RuleKind.Keyword, "nothing-matches-this"),
            new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.Low, Account: TestData.Account),
            new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.Medium, TestData.Bucket),
            new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical, TestData.Bucket, Account: TestData.Account),
            new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.High, Account: Other),
        ]);
        var time = new FakeTimeProvider(TestData.T0);
        var recording = new RecordingStore(store);
        var source = new CachedConfigSource(recording, time);
        var requests = new RequestCounter(_client);

        var mine = ReadIn(TestData.Account);
        JudgingConfig? config = null;
        for (var i = 0; i < 50; i++)
        {
            var read = await source.ForReadAsync(mine);
            config = await source.ForAccessAsync(mine);
            Assert.True(read.Allowlist.Check(mine).Trusted);
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        // Four scopes, one Query each, however many events asked within the period.
        Assert.Equal(["account#111122223333", "account#111122223333#bucket#payments", "bucket#payments", "global"], recording.Scopes.Order(StringComparer.Ordinal));
        Assert.Equal(4, requests["QueryRequest"]);
        Assert.Equal(4, source.Reads);
        // The bucket-in-account rule wins; the other account's rules were never read.
        Assert.Equal("keyword \"cardholder\" in account 111122223333 in bucket payments", config!.Classifier.Classify(mine)!.Rule.Describe());

        // The other account's read: its own two scopes more, and neither of this account's entries trusts it.
        var theirs = ReadIn(Other);
        var theirConfig = await source.ForAccessAsync(theirs);
        Assert.False((await source.ForReadAsync(theirs)).Allowlist.Check(theirs).Trusted);
        Assert.Equal(SensitivityLevel.High, theirConfig.Classifier.Classify(theirs)!.Level);
        Assert.Equal(6, requests["QueryRequest"]);
    }

    [Fact]
    public async Task Every_scope_round_trips_through_the_table_and_an_alias_item_is_read_with_the_global_scope()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(_client, table, warnings.Add);
        AllowlistEntry[] entries =
        [
            new(EntryKind.Principal, "etl"),
            new(EntryKind.Principal, "etl", Account: TestData.Account),
            new(EntryKind.Principal, "etl", TestData.Bucket),
            new(EntryKind.Principal, "etl", TestData.Bucket, Account: TestData.Account),
        ];
        await store.PutAsync(entries, [], [], [new AccountAlias(TestData.Account, "prod-data")]);
        await _client.PutItemAsync(table, ConfigItems.Key(ConfigScope.Global, "alias#12345"));

        Assert.Equal([entries[0]], (await store.LoadScopeAsync(ConfigScope.Global)).Entries);
        Assert.Equal([entries[1]], (await store.LoadScopeAsync(new ConfigScope(TestData.Account))).Entries);
        Assert.Equal([entries[2]], (await store.LoadScopeAsync(ConfigScope.ForBucket(TestData.Bucket))).Entries);
        Assert.Equal([entries[3]], (await store.LoadScopeAsync(new ConfigScope(TestData.Account, TestData.Bucket))).Entries);
        var global = await store.LoadScopeAsync(ConfigScope.Global);
        Assert.Equal([new AccountAlias(TestData.Account, "prod-data")], global.Aliases);
        Assert.Empty(global.UnusableRules);
        // The unreadable alias is told and skipped: it never fails evaluation.
        Assert.Contains(warnings, w => w.Contains("global / alias#12345", StringComparison.Ordinal) && w.Contains("not an account ID", StringComparison.Ordinal));
        Assert.True(await store.DeleteAsync(new ConfigScope(TestData.Account, TestData.Bucket), "principal#etl"));
        Assert.Empty((await store.LoadScopeAsync(new ConfigScope(TestData.Account, TestData.Bucket))).Entries);
    }

    [Fact]
    public async Task Two_accounts_identical_reads_are_two_alerts_and_two_harvests_in_the_dedup_table()
    {
        var table = await dynalite.Server.CreateDedupTableAsync();
        var store = new DynamoDedupStore(_client, table, TimeSpan.FromMinutes(15), 0, new FakeTimeProvider(TestData.T0), new HarvestPolicy([2]));
        var mine = TestData.Candidate(ReadIn(TestData.Account, "event-a"));
        var theirs = TestData.Candidate(ReadIn(Other, "event-b", 1));

        var first = await store.RecordAsync(mine);
        var second = await store.RecordAsync(theirs);
        var repeat = await store.RecordAsync(TestData.Candidate(ReadIn(Other, "event-b2", 2)));

        Assert.True(first.IsFirst);
        Assert.True(second.IsFirst);
        Assert.False(repeat.IsFirst);
        Assert.Equal("event-b", repeat.RepeatsEventId);
        Assert.NotEqual(DynamoDedupStore.AccessItemId(mine), DynamoDedupStore.AccessItemId(theirs));
        Assert.NotEqual(DynamoDedupStore.HarvestItemId(mine), DynamoDedupStore.HarvestItemId(theirs));
        Assert.Equal(Other, (await _client.GetAsync(table, DynamoDedupStore.AccessItemId(theirs)))!["account"].S);
        // Each account's harvest counts its own objects; a second object in the other account crosses its threshold of 2.
        var harvest = (await store.RecordAsync(TestData.Candidate(ReadIn(Other, "event-b3", 3) with { Key = "exports/cardholder-other.csv" }))).Harvest;
        Assert.NotNull(harvest);
        Assert.Equal((Other, 2L), (harvest.Account, harvest.Objects));
    }

    /// <summary>The real store, noting which scopes were asked for (the Query count comes from the client's own requests).</summary>
    private sealed class RecordingStore(IConfigStore inner) : IConfigStore
    {
        public List<string> Scopes { get; } = [];

        public Task<RuleSet> LoadScopeAsync(ConfigScope scope, CancellationToken cancellationToken = default)
        {
            lock (Scopes)
                Scopes.Add(scope.Key);
            return inner.LoadScopeAsync(scope, cancellationToken);
        }
    }
}
