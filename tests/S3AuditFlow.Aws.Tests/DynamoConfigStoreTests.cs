using S3AuditFlow.Core.Config;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Aws.Tests;

[Collection(DynaliteCollection.Name)]
public class DynamoConfigStoreTests(DynaliteFixture dynalite)
{
    private static readonly AllowlistEntry TrustedRole = new(EntryKind.Principal, TestData.RoleArn());
    private static readonly AllowlistEntry OfficeNetwork = new(EntryKind.Source, "10.0.0.0/8");

    [Fact]
    public async Task One_query_per_scope_returns_only_that_scope()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync(
            [TrustedRole, new(EntryKind.Source, "vpce-0aaa", "bucket-a"), new(EntryKind.Source, "vpce-0bbb", "bucket-b")],
            [new(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical), new(RuleKind.Prefix, "hr/", Bucket: "bucket-b")]);
        var requests = new RequestCounter(client);

        var global = await store.LoadScopeAsync(ConfigScope.Global);
        var a = await store.LoadScopeAsync(ConfigScope.ForBucket("bucket-a"));
        var b = await store.LoadScopeAsync(ConfigScope.ForBucket("bucket-b"));
        var none = await store.LoadScopeAsync(ConfigScope.ForBucket("bucket-c"));

        Assert.Equal(4, requests["QueryRequest"]);
        Assert.Equal(0, requests["ScanRequest"]);
        Assert.Equal([TrustedRole], global.Entries);
        Assert.Equal(["cardholder"], global.Rules.Select(r => r.Value));
        Assert.Equal(["vpce-0aaa"], a.Entries.Select(e => e.Value));
        Assert.Empty(a.Rules);
        Assert.Equal(["vpce-0bbb"], b.Entries.Select(e => e.Value));
        Assert.Equal(["hr/"], b.Rules.Select(r => r.Value));
        Assert.Empty(none.Entries);
        Assert.Empty(none.Rules);
    }

    [Fact]
    public async Task Load_all_returns_every_scope_sorted_by_scope_then_entry()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync(
            [
                new(EntryKind.Source, "10.0.0.0/8"),
                new(EntryKind.Principal, "etl", "zeta"),
                new(EntryKind.Source, "192.168.0.0/16", "alpha"),
                new(EntryKind.Principal, "111122223333"),
                new(EntryKind.Principal, "backup", "alpha"),
            ],
            [new(RuleKind.Glob, "**/*.pem"), new(RuleKind.Keyword, "payroll", Bucket: "zeta"), new(RuleKind.Keyword, "cardholder")]);

        var all = await store.LoadAllAsync();

        // "bucket#alpha" < "bucket#zeta" < "global", then by entry ("principal#…" < "rule#…" < "source#…").
        Assert.Equal(
            ["alpha principal backup", "alpha source 192.168.0.0/16", "zeta principal etl", "- principal 111122223333", "- source 10.0.0.0/8"],
            all.Entries.Select(e => $"{e.Bucket ?? "-"} {e.Kind.ToString().ToLowerInvariant()} {e.Value}"));
        Assert.Equal(["zeta keyword payroll", "- glob **/*.pem", "- keyword cardholder"],
            all.Rules.Select(r => $"{r.Bucket ?? "-"} {SensitivityRule.KindName(r.Kind)} {r.Value}"));
    }

    [Fact]
    public async Task Put_of_more_than_25_items_is_written_in_batches_of_25()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        var requests = new RequestCounter(client);
        var entries = Enumerable.Range(0, 40).Select(i => new AllowlistEntry(EntryKind.Source, $"10.{i}.0.0/16", Note: $"site {i}")).ToList();
        var rules = Enumerable.Range(0, 21).Select(i => new SensitivityRule(RuleKind.Keyword, $"secret-{i}", Bucket: "bucket-b")).ToList();

        await store.PutAsync(entries, rules);

        // 61 items: 25 + 25 + 11 (dynalite, like DynamoDB, refuses a BatchWriteItem of more than 25).
        Assert.Equal(3, requests["BatchWriteItemRequest"]);
        var all = await store.LoadAllAsync();
        Assert.Equal(entries.OrderBy(e => "source#" + e.Value, StringComparer.Ordinal), all.Entries);
        Assert.Equal(21, all.Rules.Count);
    }

    [Fact]
    public async Task Put_of_an_existing_key_replaces_the_item()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([OfficeNetwork with { Note = "old", Expires = TestData.T0 }], []);

        await store.PutAsync([OfficeNetwork with { Note = "new" }], []);

        var entry = Assert.Single((await store.LoadScopeAsync(ConfigScope.Global)).Entries);
        Assert.Equal(("new", null), (entry.Note, entry.Expires));
    }

    [Fact]
    public async Task Put_of_the_same_key_twice_in_one_call_keeps_the_last()
    {
        // An import file may name an entry twice; BatchWriteItem refuses duplicate keys in one batch.
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);

        await store.PutAsync([OfficeNetwork with { Note = "first" }, OfficeNetwork with { Note = "second" }], []);

        Assert.Equal("second", Assert.Single((await store.LoadScopeAsync(ConfigScope.Global)).Entries).Note);
    }

    [Fact]
    public async Task Put_with_one_item_over_DynamoDBs_limits_writes_nothing()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        var good = Enumerable.Range(0, 30).Select(i => new AllowlistEntry(EntryKind.Source, $"10.{i}.0.0/16")).ToList();
        var tooLong = new AllowlistEntry(EntryKind.Principal, "arn:aws:iam::123456789012:role/" + new string('r', 1000));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync([.. good, tooLong], []));

        Assert.Contains("sort keys hold at most 1024", error.Message, StringComparison.Ordinal);
        Assert.Empty((await store.LoadAllAsync()).Entries);
    }

    [Fact]
    public async Task Delete_says_whether_there_was_an_item_and_removes_only_that_one()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([OfficeNetwork, OfficeNetwork with { Bucket = "payments" }], []);

        var deleted = await store.DeleteAsync(ConfigScope.ForBucket("payments"), "source#10.0.0.0/8");
        var again = await store.DeleteAsync(ConfigScope.ForBucket("payments"), "source#10.0.0.0/8");
        var never = await store.DeleteAsync(ConfigScope.Global, "principal#nobody");

        Assert.True(deleted);
        Assert.False(again);
        Assert.False(never);
        Assert.Empty((await store.LoadScopeAsync(ConfigScope.ForBucket("payments"))).Entries);
        Assert.Equal([OfficeNetwork], (await store.LoadScopeAsync(ConfigScope.Global)).Entries);
    }

    [Fact]
    public async Task Entry_items_that_do_not_parse_are_skipped_with_a_warning_and_never_trust()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(client, table, warnings.Add);
        await store.PutAsync([TrustedRole], []);
        // Hand-made items, as a user might type them in the console.
        await PutRawAsync(client, table, "global", "source#10.0.0.0/8", ("expires", "next week"));
        await PutRawAsync(client, table, "bucket#", "source#10.0.0.0/8");

        var items = (await store.LoadScopeAsync(ConfigScope.Global)).Concat(await store.LoadScopeAsync(ConfigScope.ForBucket(TestData.Bucket)));
        var config = TestData.Compile(items);

        Assert.Equal([TrustedRole], items.Entries);
        Assert.Empty(items.UnusableRules);
        Assert.Contains("global / source#10.0.0.0/8", Assert.Single(warnings), StringComparison.Ordinal);
        var trust = config.Allowlist.Check(TestData.Access(sourceIp: "10.1.2.3"));
        Assert.False(trust.Trusted);
        Assert.True(trust.PrincipalTrusted);
        Assert.NotNull(config.Classifier);

        // Export and `scan --table` read every scope: the item with the empty bucket name is named there too.
        warnings.Clear();
        var all = await store.LoadAllAsync();
        Assert.Equal([TrustedRole], all.Entries);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("bucket# / source#10.0.0.0/8", StringComparison.Ordinal) && w.Contains("scope \"bucket#\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rule#keyword#cardholder", "level", "Critical ")]
    [InlineData("rule#keyword#cardholder", "level", "urgent")]
    [InlineData("rule#regex#card.*", "level", "high")]
    [InlineData("rule#glob#", "level", "high")]
    [InlineData("keyword#cardholder", "level", "critical")]
    public async Task A_rule_item_that_does_not_parse_is_not_skipped_classification_fails_naming_it(string entry, string attribute, string value)
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(client, table, warnings.Add);
        await store.PutAsync([TrustedRole], [new(RuleKind.Prefix, "hr/")]);
        await PutRawAsync(client, table, "global", entry, (attribute, value));

        var config = TestData.Compile(await store.LoadScopeAsync(ConfigScope.Global));

        // The allowlist still answers; classification, which would silently detect less, refuses.
        Assert.True(config.Allowlist.Check(TestData.Access()).PrincipalTrusted);
        var error = Assert.Throws<UnusableRuleException>(() => config.Classifier);
        Assert.Contains($"global / {entry}", Assert.Single(error.Rules), StringComparison.Ordinal);
        Assert.Contains(table, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_with_a_bad_CIDR_is_skipped_with_a_warning_and_never_trusts()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var warnings = new List<string>();
        var store = new DynamoConfigStore(client, table, warnings.Add);
        await store.PutAsync([TrustedRole], []);
        await PutRawAsync(client, table, "global", "source#10.0.0.0/33", ("note", "typo for /8"));

        // The store reads the item; the allowlist compiler is what refuses the CIDR.
        var items = await store.LoadScopeAsync(ConfigScope.Global);
        var config = TestData.Compile(items, warnings.Add);

        Assert.Equal(2, items.Entries.Count);
        var warning = Assert.Single(warnings);
        Assert.Contains("source 10.0.0.0/33", warning, StringComparison.Ordinal);
        Assert.Contains("not a valid CIDR", warning, StringComparison.Ordinal);
        Assert.Equal([TrustedRole], config.Allowlist.Entries);
        Assert.False(config.Allowlist.Check(TestData.Access(sourceIp: "10.0.0.1")).Trusted);
        Assert.False(config.Allowlist.Check(TestData.Access(sourceIp: "10.1.2.3")).Trusted);
    }

    [Fact]
    public async Task The_same_access_is_trusted_when_the_entries_are_valid()
    {
        // Control for the two tests above: the access they use is exactly what the bad items meant to trust.
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole, OfficeNetwork], []);

        var config = TestData.Compile(await store.LoadScopeAsync(ConfigScope.Global));

        Assert.True(config.Allowlist.Check(TestData.Access(sourceIp: "10.1.2.3")).Trusted);
    }

    [Fact]
    public async Task An_expired_entry_does_not_trust_accesses_after_its_expiry()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        var expiry = TestData.T0.AddDays(-1);
        await store.PutAsync([TrustedRole, OfficeNetwork with { Expires = expiry, Note = "contractor until end of Feb" }], []);

        var config = TestData.Compile(await store.LoadScopeAsync(ConfigScope.Global));
        var after = config.Allowlist.Check(TestData.Access(time: TestData.T0));
        var before = config.Allowlist.Check(TestData.Access(time: expiry.AddMinutes(-1)));

        Assert.False(after.Trusted);
        Assert.Contains("source 10.1.2.3 allowlisted only until 2025-02-28T12:00:00Z", after.Reason, StringComparison.Ordinal);
        Assert.True(before.Trusted);
    }

    [Fact]
    public async Task A_hand_written_item_with_an_expiry_in_the_past_does_not_trust()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([TrustedRole], []);
        await PutRawAsync(client, table, "global", "source#10.0.0.0/8", ("expires", "2025-01-31"));

        var config = TestData.Compile(await store.LoadScopeAsync(ConfigScope.Global));

        Assert.False(config.Allowlist.Check(TestData.Access()).Trusted);
    }

    private static Task PutRawAsync(Amazon.DynamoDBv2.IAmazonDynamoDB client, string table, string scope, string entry, params (string Name, string Value)[] attributes)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["scope"] = new() { S = scope },
            ["entry"] = new() { S = entry },
        };
        foreach (var (name, value) in attributes)
            item[name] = new AttributeValue { S = value };
        return client.PutItemAsync(new PutItemRequest { TableName = table, Item = item });
    }
}
