using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Config;

/// <summary>Entries and rules scoped to an account (alone or with a bucket), the account of a read, and how alerts name it.</summary>
public class AccountScopeTests
{
    private const string Other = "444455556666";

    /// <summary>A read of <paramref name="bucket"/> logged for <paramref name="account"/> by a role of the same name in each account.</summary>
    private static S3Access ReadIn(string account, string bucket = "finance", string key = "exports/cardholder.csv", string role = "etl") =>
        Read(key, bucket, Role(role, account: account)) with { RecipientAccountId = account };

    private static AuditConfig Load(string json) => ConfigLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void The_account_of_a_read_is_its_recipient_account_else_the_callers()
    {
        var read = ReadIn(Account) with { Principal = Role("etl", account: Other) };

        Assert.Equal(Account, read.Account);
        Assert.Equal(Other, (read with { RecipientAccountId = null }).Account);
        Assert.Null((read with { RecipientAccountId = null, Principal = read.Principal with { AccountId = null } }).Account);
    }

    [Fact]
    public void An_entry_scoped_to_an_account_trusts_that_accounts_role_and_not_the_same_role_name_in_another()
    {
        var allowlist = Allowlist.Build(
            [new AllowlistEntry(EntryKind.Source, "54.177.149.226"), new AllowlistEntry(EntryKind.Principal, "etl", Account: Account)], out var invalid);

        Assert.Empty(invalid);
        Assert.True(allowlist.Check(ReadIn(Account)).Trusted);
        var other = allowlist.Check(ReadIn(Other));
        Assert.False(other.Trusted);
        Assert.Equal("principal role/etl not allowlisted", other.Reason);
    }

    [Fact]
    public void An_entry_scoped_to_a_bucket_in_an_account_needs_both()
    {
        var allowlist = Allowlist.Build(
            [new AllowlistEntry(EntryKind.Source, "54.177.149.226"), new AllowlistEntry(EntryKind.Principal, "etl", "finance", Account: Account)], out _);

        Assert.True(allowlist.Check(ReadIn(Account, "finance")).Trusted);
        Assert.False(allowlist.Check(ReadIn(Account, "payroll")).Trusted);
        Assert.False(allowlist.Check(ReadIn(Other, "finance")).Trusted);
    }

    [Fact]
    public void A_rule_scoped_to_another_account_does_not_apply()
    {
        var classifier = SensitivityClassifier.Build(
        [
            new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.Critical, Account: Other),
            new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Low, "finance", Account: Account),
        ], out _);

        Assert.Equal(SensitivityLevel.Low, classifier.Classify(ReadIn(Account))!.Level);
        Assert.Equal(SensitivityLevel.Critical, classifier.Classify(ReadIn(Other))!.Level);
        Assert.Null(classifier.Classify(ReadIn(Account, "payroll")));
        // A read whose account is unknown gets only the rules of any account.
        Assert.Null(classifier.Classify(new ObjectRef("finance", "exports/cardholder.csv")));
    }

    [Fact]
    public void Describe_names_the_account_scope()
    {
        Assert.Equal("principal etl (account 111122223333)", new AllowlistEntry(EntryKind.Principal, "etl", Account: Account).Describe());
        Assert.Equal("source 10.0.0.0/8 (account 111122223333, bucket finance)", new AllowlistEntry(EntryKind.Source, "10.0.0.0/8", "finance", Account: Account).Describe());
        Assert.Equal("source 10.0.0.0/8 (bucket finance)", new AllowlistEntry(EntryKind.Source, "10.0.0.0/8", "finance").Describe());
        Assert.Equal("keyword \"x\" in account 111122223333 in bucket finance", new SensitivityRule(RuleKind.Keyword, "x", Bucket: "finance", Account: Account).Describe());
    }

    [Fact]
    public void Config_file_account_fields_scope_entries_and_rules()
    {
        var config = Load("""
            {"version": 1,
             "principals": [{"value": "etl", "account": "111122223333"}],
             "sources": [{"value": "54.177.149.226", "account": "111122223333", "bucket": "finance"}],
             "rules": [{"type": "keyword", "value": "cardholder", "account": "444455556666"}],
             "accountAliases": {"111122223333": "prod-data"}}
            """);

        var principal = config.Allowlist.Entries.Single(e => e.Kind == EntryKind.Principal);
        var source = config.Allowlist.Entries.Single(e => e.Kind == EntryKind.Source);
        Assert.Equal((Account, null), (principal.Account, principal.Bucket));
        Assert.Equal((Account, "finance"), (source.Account, source.Bucket));
        Assert.Equal(Other, config.Classifier.Rules[0].Account);
        Assert.Equal("prod-data", config.AccountAliases.Of(Account));
        Assert.Null(config.AccountAliases.Of(Other));
    }

    [Theory]
    [InlineData("""{"principals": ["x", {"value": "etl", "account": "1111-2222-3333"}]}""", "principals[1]: \"account\" \"1111-2222-3333\" is not an account ID (12 digits)")]
    [InlineData("""{"sources": [{"value": "10.0.0.0/8", "account": "11112222333"}]}""", "sources[0]: \"account\" \"11112222333\" is not an account ID")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x"}, {"type": "glob", "value": "*", "account": ""}]}""", "rules[1]: \"account\" \"\" is not an account ID")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "account": 111122223333}]}""", "rules[0]: \"account\" must be a string")]
    [InlineData("""{"accountAliases": {"11112222333x": "prod"}}""", "accountAliases.11112222333x: \"11112222333x\" is not an account ID (12 digits)")]
    [InlineData("""{"accountAliases": {"111122223333": " "}}""", "accountAliases.111122223333: account 111122223333: empty alias")]
    [InlineData("""{"accountAliases": {"111122223333": 7}}""", "accountAliases.111122223333: the alias must be a string")]
    [InlineData("""{"accountAliases": ["111122223333"]}""", "\"accountAliases\" must be an object")]
    public void A_bad_account_or_alias_is_refused_naming_the_entry(string json, string message)
    {
        var error = Assert.Throws<ConfigException>(() => Load(json));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_writes_account_scopes_and_aliases_that_load_back_the_same()
    {
        var items = new Stores.RuleSet(
            [new AllowlistEntry(EntryKind.Principal, "etl", "finance", Account: Account)],
            [new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.Critical, Account: Other)])
        { Aliases = [new AccountAlias(Account, "prod-data")] };
        using var buffer = new MemoryStream();

        ConfigWriter.Write(buffer, ConfigWriter.Writable(items, out var refused));
        buffer.Position = 0;
        var config = ConfigLoader.Load(buffer);

        Assert.Empty(refused);
        Assert.Equal(items.Entries, config.Allowlist.Entries);
        Assert.Equal(items.Rules, config.Classifier.Rules);
        Assert.Equal(items.Aliases, config.AccountAliases.All);
    }

    [Fact]
    public void Dedup_keys_differ_by_account_so_two_accounts_identical_reads_are_two_alerts()
    {
        var a = Candidate(ReadIn(Account) with { EventId = "evt-a" });
        var b = Candidate(ReadIn(Other) with { EventId = "evt-b" });

        Assert.NotEqual(a.AccessKey, b.AccessKey);
        Assert.NotEqual(a.BurstKey, b.BurstKey);
        // The alias only names: the same account with and without one is the same access.
        Assert.Equal(a.AccessKey, (a with { AccountAlias = "prod-data" }).AccessKey);

        var dedup = new InMemoryDeduplicator(TimeSpan.FromMinutes(15));
        Assert.True(dedup.Decide(a).IsFirst);
        Assert.True(dedup.Decide(b).IsFirst);
        Assert.False(dedup.Decide(Candidate(ReadIn(Other) with { EventId = "evt-b2", EventTime = T0.AddMinutes(1) })).IsFirst);
    }

    [Fact]
    public void Alerts_name_the_account_with_its_alias_or_by_its_bare_id()
    {
        var aliased = Candidate(ReadIn(Account)) with { AccountAlias = "prod-data" };
        var bare = Candidate(ReadIn(Other));

        var message = AlertMessage.Compose(aliased);
        Assert.Contains("\nAccount:   111122223333 (prod-data)\n", message.Message.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var json = JsonDocument.Parse(message.Message[message.Message.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
        Assert.Equal(("111122223333", "prod-data"), (json.GetProperty("account").GetString(), json.GetProperty("accountAlias").GetString()));

        var plain = AlertMessage.Compose(bare);
        Assert.Contains("\nAccount:   444455556666\n", plain.Message.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("accountAlias", plain.Message, StringComparison.Ordinal);
        Assert.Equal("111122223333 (prod-data)", aliased.AccountLabel);
        Assert.Equal("444455556666", bare.AccountLabel);
    }

    [Fact]
    public void The_evaluator_takes_the_alias_from_the_config_and_a_harvest_notice_carries_it()
    {
        var config = AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder")], accountAliases: [new AccountAlias(Account, "prod-data")]);

        var candidate = new AccessEvaluator(config).Evaluate(ReadIn(Account)).Candidate!;
        var notice = HarvestTally.Start(candidate).Add(candidate, new HarvestPolicy([1]))!;
        var harvest = HarvestMessage.Compose(notice);

        Assert.Equal("prod-data", candidate.AccountAlias);
        Assert.Null(new AccessEvaluator(config).Evaluate(ReadIn(Other)).Candidate!.AccountAlias);
        Assert.Contains("Account:   111122223333 (prod-data)", harvest.Message, StringComparison.Ordinal);
        var json = JsonDocument.Parse(harvest.Message[harvest.Message.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
        Assert.Equal(("111122223333", "prod-data"), (json.GetProperty("account").GetString(), json.GetProperty("accountAlias").GetString()));
    }

    [Theory]
    [InlineData("global", null, null)]
    [InlineData("account#111122223333", "111122223333", null)]
    [InlineData("bucket#finance", null, "finance")]
    [InlineData("account#111122223333#bucket#finance", "111122223333", "finance")]
    public void Every_scope_key_reads_back_as_itself(string key, string? account, string? bucket)
    {
        Assert.True(ConfigScope.TryParse(key, out var scope, out var error));
        Assert.Null(error);
        Assert.Equal(new ConfigScope(account, bucket), scope);
        Assert.Equal(key, scope.Key);
    }

    [Theory]
    [InlineData("account#11112222333")]
    [InlineData("account#111122223333#")]
    [InlineData("account#111122223333#bucket#")]
    [InlineData("account#111122223333#bucket#Finance")]
    [InlineData("bucket#finance#account#111122223333")]
    [InlineData("account#111122223333#global")]
    [InlineData("bucket#")]
    [InlineData("Global")]
    public void Any_other_scope_key_is_refused_with_a_message_naming_it(string key)
    {
        Assert.False(ConfigScope.TryParse(key, out _, out var error));
        Assert.Contains($"scope \"{key}\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_account_scoped_rule_compiles_to_the_filters_of_its_bucket_or_of_every_bucket_as_if_unscoped()
    {
        string[] monitored = ["finance", "payroll"];
        SensitivityRule[] scoped =
        [
            new(RuleKind.Prefix, "exports/", SensitivityLevel.High, "finance", Account: Account),
            new(RuleKind.Keyword, "salary", SensitivityLevel.High, Account: Other),
        ];
        var unscoped = scoped.Select(r => r with { Account = null }).ToArray();

        var withAccounts = Core.Filters.FilterCompiler.Compile(scoped, monitored, AuditConfig.DefaultMonitoredEvents, new Core.Filters.FilterOptions());
        var without = Core.Filters.FilterCompiler.Compile(unscoped, monitored, AuditConfig.DefaultMonitoredEvents, new Core.Filters.FilterOptions());

        // The filters carry no account: a rule of one account must let its bucket's reads through in every account.
        Assert.Equal(without.ReadRule.ToJsonString(), withAccounts.ReadRule.ToJsonString());
        Assert.Equal(without.Trail.ToJsonString(), withAccounts.Trail.ToJsonString());
        var onlyFinance = Core.Filters.FilterCompiler.Compile([unscoped[0]], monitored, AuditConfig.DefaultMonitoredEvents, new Core.Filters.FilterOptions());
        Assert.NotEqual(onlyFinance.ReadRule.ToJsonString(), withAccounts.ReadRule.ToJsonString());
    }
}
