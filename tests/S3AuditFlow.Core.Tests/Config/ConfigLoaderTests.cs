using System.Text;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Config;

public class ConfigLoaderTests
{
    private static string ConfigFixture(string name) => Path.Combine(Fixtures.Root, "config", name);

    private static AuditConfig Load(string json) => ConfigLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    private static string Error(string json) => Assert.Throws<ConfigException>(() => Load(json)).Message;

    [Fact]
    public void SeedConfigLoadsAsPublished()
    {
        var config = ConfigLoader.Load(ConfigFixture("seed-config.json"));

        Assert.Equal(
            [new AllowlistEntry(EntryKind.Source, "54.153.44.90"), new AllowlistEntry(EntryKind.Principal, "role_with_permissions")],
            config.Allowlist.Entries);
        Assert.Equal(
            new[] { "cardholder", "secret", "password", "credentials", "key" }.Select(k => new SensitivityRule(RuleKind.Keyword, k, SensitivityLevel.High)),
            config.Classifier.Rules);
        Assert.Equal(AuditConfig.DefaultMonitoredEvents.ToHashSet(), config.MonitoredEvents.ToHashSet());
        Assert.Equal(TimeSpan.FromMinutes(15), config.DedupWindow);
    }

    [Fact]
    public void SeedConfigJudgesLikeTheSeedButMatchesKeywordsIgnoringCase()
    {
        var config = ConfigLoader.Load(ConfigFixture("seed-config.json"));
        var trusted = Accesses.Read(principal: Accesses.Role("role_with_permissions"), source: Accesses.From("54.153.44.90"));
        var otherIp = trusted with { Source = Accesses.From("54.153.44.91") };

        Assert.True(config.Allowlist.Check(trusted).Trusted);
        Assert.False(config.Allowlist.Check(otherIp).Trusted);
        Assert.NotNull(config.Classifier.Classify(new Core.Events.ObjectRef("b", "exports/CARDHOLDER.csv")));
    }

    [Fact]
    public void RichConfigReadsEveryField()
    {
        var config = ConfigLoader.Load(ConfigFixture("rich-config.json"));

        Assert.Equal(
            [
                new AllowlistEntry(EntryKind.Source, "54.153.44.90"),
                new AllowlistEntry(EntryKind.Source, "10.0.0.0/8", "acme-finance-exports", Utc(2025, 12, 31, 23, 59, 59), "office VPN", "alice@example.com", Utc(2024, 11, 1, 9, 0, 0)),
                new AllowlistEntry(EntryKind.Principal, "role_with_permissions"),
                new AllowlistEntry(EntryKind.Principal, "arn:aws:iam::111122223333:role/etl", "acme-finance-exports", Utc(2025, 6, 29, 22, 0, 0), "nightly ETL", "bob@example.com", Utc(2024, 11, 2, 10, 30, 0)),
            ],
            config.Allowlist.Entries);
        Assert.Equal(
            [
                new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical, null, "PCI scope", "alice@example.com", Utc(2024, 11, 1, 9, 0, 0)),
                new SensitivityRule(RuleKind.Prefix, "hr/", SensitivityLevel.Medium, "acme-hr"),
                new SensitivityRule(RuleKind.Glob, "**/*.pem", SensitivityLevel.High),
            ],
            config.Classifier.Rules);
        Assert.Equal(new HashSet<string> { "GetObject", "CopyObject" }, config.MonitoredEvents.ToHashSet());
        Assert.Equal(TimeSpan.FromHours(1), config.DedupWindow);
    }

    [Fact]
    public void TimesAreStoredInUtc()
    {
        var config = ConfigLoader.Load(ConfigFixture("rich-config.json"));

        Assert.All(config.Allowlist.Entries.Where(e => e.Expires is not null), e => Assert.Equal(TimeSpan.Zero, e.Expires!.Value.Offset));
    }

    [Fact]
    public void EmptyConfigHasNoEntriesAndTheDefaults()
    {
        var config = Load("{}");

        Assert.Empty(config.Allowlist.Entries);
        Assert.Empty(config.Classifier.Rules);
        Assert.Equal(AuditConfig.DefaultMonitoredEvents.ToHashSet(), config.MonitoredEvents.ToHashSet());
        Assert.Equal(AuditConfig.DefaultDedupWindow, config.DedupWindow);
    }

    [Fact]
    public void CommentsAndTrailingCommasAreAllowed()
    {
        var config = Load("""
            {
              // who may read
              "principals": ["etl",],
              "dedupWindowMinutes": 2.5,
            }
            """);

        Assert.Single(config.Allowlist.Entries);
        Assert.Equal(TimeSpan.FromSeconds(150), config.DedupWindow);
    }

    [Theory]
    [InlineData("""{"sources": ["54.153.44.90", "10.0.0.0/33"]}""", "sources[1]", "10.0.0.0/33")]
    [InlineData("""{"sources": ["54.153.44.90", {"value": "vpce-"}]}""", "sources[1]", "vpce-")]
    [InlineData("""{"principals": ["etl", {"value": "arn:aws:s3:::bucket"}]}""", "principals[1]", "malformed ARN pattern")]
    [InlineData("""{"principals": ["etl*"]}""", "principals[0]", "etl*")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x"}, {"type": "keyword", "value": "y", "level": "urgent"}]}""", "rules[1]", "urgent")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "level": "4"}]}""", "rules[0]", "\"4\"")]
    [InlineData("""{"rules": [{"type": "regex", "value": "x"}]}""", "rules[0]", "regex")]
    [InlineData("""{"rules": [{"type": "2", "value": "x"}]}""", "rules[0]", "unknown rule type")]
    [InlineData("""{"rules": [{"value": "x"}]}""", "rules[0]", "\"type\"")]
    [InlineData("""{"rules": [{"type": "keyword", "value": ""}]}""", "rules[0]", "empty value")]
    [InlineData("""{"rules": ["cardholder"]}""", "rules[0]", "cardholder")]
    [InlineData("""{"sources": [{"value": "1.2.3.4", "expires": "next tuesday"}]}""", "sources[0]", "next tuesday")]
    [InlineData("""{"principals": [{"value": "etl", "addedAt": "soon"}]}""", "principals[0]", "addedAt")]
    [InlineData("""{"sources": [{"value": "1.2.3.4", "comment": "x"}]}""", "sources[0]", "comment")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "severity": "high"}]}""", "rules[0]", "severity")]
    [InlineData("""{"sources": [{"bucket": "b"}]}""", "sources[0]", "\"value\"")]
    [InlineData("""{"sources": [{"value": 5}]}""", "sources[0]", "\"value\"")]
    [InlineData("""{"sources": [42]}""", "sources[0]", "42")]
    [InlineData("""{"sources": "1.2.3.4"}""", "\"sources\"", "array")]
    [InlineData("""{"allowlist": []}""", "\"allowlist\"", "unknown property")]
    [InlineData("""{"version": 2}""", "version", "2")]
    [InlineData("""{"dedupWindowMinutes": 0}""", "dedupWindowMinutes", "0")]
    [InlineData("""{"dedupWindowMinutes": -5}""", "dedupWindowMinutes", "-5")]
    [InlineData("""{"dedupWindowMinutes": "15"}""", "dedupWindowMinutes", "\"15\"")]
    [InlineData("""{"dedupWindowMinutes": 20000}""", "dedupWindowMinutes", "20000")]
    [InlineData("""{"burstLimit": -1}""", "burstLimit", "-1")]
    [InlineData("""{"burstLimit": 2.5}""", "burstLimit", "2.5")]
    [InlineData("""{"harvestThresholds": [100, 50]}""", "harvestThresholds[1]", "ascending")]
    [InlineData("""{"harvestThresholds": [100, "1000"]}""", "harvestThresholds[1]", "\"1000\"")]
    [InlineData("""{"harvestThresholds": [0]}""", "harvestThresholds[0]", "1 or more")]
    [InlineData("""{"harvestThresholds": 100}""", "\"harvestThresholds\"", "array")]
    [InlineData("""{"monitoredEvents": []}""", "monitoredEvents", "empty")]
    [InlineData("""{"monitoredEvents": ["GetObject", " "]}""", "monitoredEvents[1]", "non-empty")]
    [InlineData("""{"authorized_sources": ["54.153.44.90"], "extra": 1}""", "\"extra\"", "seed-format")]
    [InlineData("""{"authorized_sources": ["54.153.44.90", "10.0.0.0/33"]}""", "10.0.0.0/33", "CIDR")]
    [InlineData("""{"authorized_entities": ["role*"]}""", "role*", "not an entity name")]
    [InlineData("""{"sensitive_filename_keywords": ["cardholder", ""]}""", "sensitive_filename_keywords[1]", "non-empty")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "cardholder", "level": "critical"}], "rules": []}""", "\"rules\"", "duplicate property")]
    [InlineData("""{"sources": ["10.0.0.0/8"], "principals": [], "sources": []}""", "\"sources\"", "duplicate property")]
    [InlineData("""{"authorized_sources": ["1.2.3.4"], "authorized_sources": []}""", "\"authorized_sources\"", "duplicate property")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "level": "low", "level": "critical"}]}""", "rules[0]: duplicate property \"level\"", "duplicate")]
    [InlineData("""{"sources": [{"value": "1.2.3.4", "bucket": ""}]}""", "sources[0]", "not an S3 bucket name")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "bucket": "Prod_Data"}]}""", "rules[0]", "Prod_Data")]
    [InlineData("""[]""", "JSON object", "config")]
    [InlineData("""{"sources": [""", "not valid JSON", "line 1")]
    public void BadEntryThrowsNamingIt(string json, string where, string what)
    {
        var message = Error(json);

        Assert.Contains(where, message, StringComparison.Ordinal);
        Assert.Contains(what, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"rules": [{"type": "keyword,prefix", "value": "x"}]}""")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "level": "low,medium"}]}""")]
    public void CommaSeparatedTypeOrLevelIsRejected(string json)
    {
        Assert.Contains("rules[0]", Error(json), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"sources\": [\"1.2.3.4\", {\"value\": \"10.0.0.0/8\", \"note\": \"\\ud800\"}]}", "sources[1].note")]
    [InlineData("{\"rules\": [{\"type\": \"keyword\", \"value\": \"card\\udc00holder\"}]}", "rules[0].value")]
    [InlineData("{\"authorized_entities\": [\"\\ud800\"]}", "authorized_entities[0]")]
    [InlineData("{\"sources\": [{\"value\": \"1.2.3.4\", \"\\ud800\": 1}]}", "a property name in sources[0]")]
    public void LoneSurrogateIsRefusedNamingWhere(string json, string where)
    {
        var message = Error(json);

        Assert.StartsWith(where + ": not valid text", message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8IsRefusedNamingWhere()
    {
        byte[] json = [.. Encoding.UTF8.GetBytes("{\"principals\": [\"etl\", \"ro"), 0xFF, 0xC0, .. Encoding.UTF8.GetBytes("le\"]}")];

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(new MemoryStream(json)));

        Assert.StartsWith("principals[1]: not valid text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileThrowsConfigException()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "no-such-config.json");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        Assert.StartsWith($"cannot read config {path}", error.Message, StringComparison.Ordinal);
    }

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute, int second) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Theory]
    [InlineData("""{}""", AuditConfig.DefaultBurstLimit)]
    [InlineData("""{"burstLimit": 25}""", 25)]
    [InlineData("""{"burstLimit": 0}""", 0)]
    public void BurstLimitDefaultsAndCanBeSetOrTurnedOff(string json, int expected)
    {
        Assert.Equal(expected, Load(json).BurstLimit);
    }

    [Theory]
    [InlineData("""{}""", new long[] { 100, 1000, 10000, 100000 })]
    [InlineData("""{"harvestThresholds": [50, 500]}""", new long[] { 50, 500 })]
    [InlineData("""{"harvestThresholds": []}""", new long[0])]
    public void HarvestThresholdsDefaultAndCanBeSetOrTurnedOff(string json, long[] expected)
    {
        Assert.Equal(expected, Load(json).Harvest.Thresholds);
    }
}
