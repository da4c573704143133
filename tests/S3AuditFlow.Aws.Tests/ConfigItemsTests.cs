using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Aws.Tests;

public class ConfigItemsTests
{
    private static readonly DateTimeOffset AddedAt = new(2025, 2, 14, 9, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expires = new(2025, 6, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Source_entry_in_a_bucket_round_trips_with_note_expiry_and_who_added_it()
    {
        var entry = new AllowlistEntry(EntryKind.Source, "10.0.0.0/8", "payments", Expires, "office VPN", "arn:aws:iam::111122223333:user/alice", AddedAt);

        var item = ConfigItems.ToItem(entry);

        Assert.Equal("bucket#payments", item["scope"].S);
        Assert.Equal("source#10.0.0.0/8", item["entry"].S);
        Assert.Equal("2025-06-30T00:00:00Z", item["expires"].S);
        Assert.Equal("office VPN", item["note"].S);
        Assert.Equal("arn:aws:iam::111122223333:user/alice", item["addedBy"].S);
        Assert.Equal("2025-02-14T09:30:00Z", item["addedAt"].S);
        Assert.False(item.ContainsKey("level"));
        Assert.Equal((entry, null, null), ConfigItems.FromItem(item));
    }

    [Fact]
    public void Global_principal_entry_round_trips_with_only_its_key()
    {
        var entry = new AllowlistEntry(EntryKind.Principal, "arn:aws:iam::111122223333:role/etl-*");

        var item = ConfigItems.ToItem(entry);

        Assert.Equal("global", item["scope"].S);
        Assert.Equal("principal#arn:aws:iam::111122223333:role/etl-*", item["entry"].S);
        Assert.Equal(["entry", "scope"], item.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((entry, null, null), ConfigItems.FromItem(item));
    }

    [Theory]
    [InlineData(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical, "rule#keyword#cardholder", "critical")]
    [InlineData(RuleKind.Prefix, "hr/exports/", SensitivityLevel.Medium, "rule#prefix#hr/exports/", "medium")]
    [InlineData(RuleKind.Glob, "**/*.pem", SensitivityLevel.High, "rule#glob#**/*.pem", "high")]
    [InlineData(RuleKind.Glob, "keys/#archive/*", SensitivityLevel.Low, "rule#glob#keys/#archive/*", "low")]
    public void Rule_of_each_kind_round_trips_with_its_level(RuleKind kind, string value, SensitivityLevel level, string entryKey, string levelName)
    {
        var rule = new SensitivityRule(kind, value, level, Note: "why", AddedBy: "alice", AddedAt: AddedAt);

        var item = ConfigItems.ToItem(rule);

        Assert.Equal("global", item["scope"].S);
        Assert.Equal(entryKey, item["entry"].S);
        Assert.Equal(levelName, item["level"].S);
        Assert.Equal((null, rule, null), ConfigItems.FromItem(item));
    }

    [Fact]
    public void Rule_scoped_to_a_bucket_round_trips()
    {
        var rule = new SensitivityRule(RuleKind.Prefix, "payroll/", SensitivityLevel.Critical, Bucket: "hr-data");

        var item = ConfigItems.ToItem(rule);

        Assert.Equal("bucket#hr-data", item["scope"].S);
        Assert.Equal((null, rule, null), ConfigItems.FromItem(item));
    }

    [Fact]
    public void Rule_item_without_a_level_is_high_and_level_names_are_case_insensitive()
    {
        var noLevel = ConfigItems.FromItem(Item("global", "rule#keyword#secret"));
        var upper = ConfigItems.FromItem(Item("global", "rule#keyword#secret", ("level", "CRITICAL")));

        Assert.Equal(SensitivityLevel.High, noLevel.Rule!.Level);
        Assert.Equal(SensitivityLevel.Critical, upper.Rule!.Level);
    }

    [Fact]
    public void Hand_written_times_with_an_offset_are_read_as_the_same_instant()
    {
        var (entry, _, error) = ConfigItems.FromItem(Item("global", "source#vpce-1a2b3c4d", ("expires", "2025-06-30T02:00:00+02:00")));

        Assert.Null(error);
        Assert.Equal(Expires, entry!.Expires);
    }

    [Theory]
    [InlineData(null, null, "global")]
    [InlineData("111122223333", null, "account#111122223333")]
    [InlineData(null, "payments", "bucket#payments")]
    [InlineData("111122223333", "payments", "account#111122223333#bucket#payments")]
    public void Entry_and_rule_of_every_scope_round_trip_through_their_items(string? account, string? bucket, string key)
    {
        var entry = new AllowlistEntry(EntryKind.Principal, "etl", bucket, Expires, "why", "alice", AddedAt, account);
        var rule = new SensitivityRule(RuleKind.Glob, "**/*.csv", SensitivityLevel.Critical, bucket, "why", "alice", AddedAt, account);

        var entryItem = ConfigItems.ToItem(entry);
        var ruleItem = ConfigItems.ToItem(rule);

        Assert.Equal(key, entryItem["scope"].S);
        Assert.Equal(key, ruleItem["scope"].S);
        Assert.Equal(key, ConfigItems.Scope(new ConfigScope(account, bucket)));
        Assert.Equal((entry, null, null), ConfigItems.FromItem(entryItem));
        Assert.Equal((null, rule, null), ConfigItems.FromItem(ruleItem));
        Assert.True(ConfigScope.TryParse(key, out var parsed, out _));
        Assert.Equal(new ConfigScope(account, bucket), parsed);
    }

    [Fact]
    public void Alias_item_round_trips_in_the_global_scope_and_a_bad_one_is_named()
    {
        var item = ConfigItems.ToItem(new AccountAlias("111122223333", "prod-data"));

        Assert.Equal("global", item["scope"].S);
        Assert.Equal("alias#111122223333", item["entry"].S);
        Assert.True(ConfigItems.TryAlias(item, out var alias, out var error));
        Assert.Equal(new AccountAlias("111122223333", "prod-data"), alias);
        Assert.Null(error);

        Assert.True(ConfigItems.TryAlias(Item("global", "alias#1111", ("alias", "x")), out alias, out error));
        Assert.Null(alias);
        Assert.Contains("\"1111\" is not an account ID", error, StringComparison.Ordinal);
        Assert.True(ConfigItems.TryAlias(Item("global", "alias#111122223333"), out alias, out error));
        Assert.Null(alias);
        Assert.Contains("empty alias", error, StringComparison.Ordinal);
        Assert.True(ConfigItems.TryAlias(Item("bucket#payments", "alias#111122223333", ("alias", "x")), out alias, out error));
        Assert.Contains("global scope", error, StringComparison.Ordinal);
        Assert.False(ConfigItems.TryAlias(Item("global", "source#10.0.0.0/8"), out _, out _));
    }

    [Theory]
    [InlineData("global", "foo#x", null, null, "entry \"foo#x\" is not source#…, principal#… or rule#…")]
    [InlineData("global", "source#", null, null, "entry \"source#\" is not source#…")]
    [InlineData("global", "principal", null, null, "entry \"principal\" is not source#…")]
    [InlineData("bucket#", "source#10.0.0.0/8", null, null, "scope \"bucket#\" is not \"global\", \"account#ID\", \"bucket#NAME\" or \"account#ID#bucket#NAME\"")]
    [InlineData("other", "source#10.0.0.0/8", null, null, "scope \"other\" is not \"global\"")]
    [InlineData("Global", "source#10.0.0.0/8", null, null, "scope \"Global\" is not")]
    [InlineData("account#1234", "source#10.0.0.0/8", null, null, "scope \"account#1234\" is not")]
    [InlineData("account#11112222333a", "rule#keyword#x", null, null, "scope \"account#11112222333a\" is not")]
    [InlineData("account#111122223333#", "source#10.0.0.0/8", null, null, "scope \"account#111122223333#\" is not")]
    [InlineData("account#111122223333#bucket#", "source#10.0.0.0/8", null, null, "scope \"account#111122223333#bucket#\" is not")]
    [InlineData("account#111122223333#payments", "source#10.0.0.0/8", null, null, "is not")]
    [InlineData("bucket#payments#account#111122223333", "rule#keyword#x", null, null, "is not")]
    [InlineData("account#", "source#10.0.0.0/8", null, null, "scope \"account#\" is not")]
    [InlineData("global", "rule#keyword#cardholder", "level", "urgent", "unknown level \"urgent\"")]
    [InlineData("global", "rule#keyword#cardholder", "level", "3", "unknown level \"3\"")]
    [InlineData("global", "rule#regex#card.*", null, null, "entry \"rule#regex#card.*\" is not rule#keyword|prefix|glob#VALUE")]
    [InlineData("global", "rule#keyword", null, null, "entry \"rule#keyword\" is not rule#keyword|prefix|glob#VALUE")]
    [InlineData("global", "rule#keyword#", null, null, "is not rule#keyword|prefix|glob#VALUE")]
    [InlineData("global", "source#10.0.0.0/8", "expires", "next tuesday", "expires \"next tuesday\" is not an ISO 8601 time")]
    [InlineData("global", "principal#etl", "expires", "2025-13-01", "expires \"2025-13-01\" is not an ISO 8601 time")]
    [InlineData("global", "principal#etl", "addedAt", "yesterday", "addedAt \"yesterday\" is not an ISO 8601 time")]
    public void Item_that_does_not_parse_is_rejected_with_a_reason(string scope, string entry, string? attribute, string? value, string reason)
    {
        var item = attribute is null ? Item(scope, entry) : Item(scope, entry, (attribute, value!));

        var (parsedEntry, parsedRule, error) = ConfigItems.FromItem(item);

        Assert.Null(parsedEntry);
        Assert.Null(parsedRule);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Item_without_its_key_attributes_is_rejected()
    {
        var item = new Dictionary<string, AttributeValue> { ["entry"] = new() { S = "source#10.0.0.0/8" } };

        Assert.Equal((null, null, "missing scope or entry"), ConfigItems.FromItem(item));
    }

    [Fact]
    public void Expires_written_as_a_number_is_rejected_rather_than_ignored()
    {
        // In the console a user may well type an epoch time as a Number. Ignoring it removes the expiry: fail open.
        var item = Item("global", "source#10.0.0.0/8");
        item["expires"] = new AttributeValue { N = "1735689600" };

        var (entry, _, error) = ConfigItems.FromItem(item);

        Assert.Null(entry);
        Assert.Contains("expires", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Expires_that_is_not_ISO_8601_is_rejected_even_when_it_looks_like_a_date()
    {
        // "03/04/2025" is 3 April to most of the world; read as 4 March (or 3 April) silently, it moves the expiry.
        var (entry, _, error) = ConfigItems.FromItem(Item("global", "source#10.0.0.0/8", ("expires", "03/04/2025")));

        Assert.Null(entry);
        Assert.Equal("expires \"03/04/2025\" is not an ISO 8601 time", error);
    }

    private static Dictionary<string, AttributeValue> Item(string scope, string entry, params (string Name, string Value)[] attributes)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["scope"] = new() { S = scope },
            ["entry"] = new() { S = entry },
        };
        foreach (var (name, value) in attributes)
            item[name] = new AttributeValue { S = value };
        return item;
    }
}
