using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>What the compiler emits for known rules, checked on the fixture records with the matchers.</summary>
public sealed class FilterCompilerTests
{
    private static readonly string[] Events = [.. AuditConfig.DefaultMonitoredEvents];

    private static readonly SensitivityRule[] ReadmeRules =
    [
        new(RuleKind.Prefix, "hr/exports/"),
        new(RuleKind.Glob, "**/*.pem", SensitivityLevel.Critical),
        new(RuleKind.Glob, "backups/*/db-*.sql.gz", SensitivityLevel.Medium, "prod-backups"),
        new(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical, "acme-finance-exports"),
    ];

    private static CompiledFilters Compile(IReadOnlyList<SensitivityRule> rules, string[] buckets, FilterOptions? options = null) =>
        FilterCompiler.Compile(rules, buckets, Events, options ?? new FilterOptions());

    private static bool Read(CompiledFilters filters, string bucket, string key) =>
        EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(FilterEvents.GetObject(bucket, key)));

    private static bool Logged(CompiledFilters filters, string bucket, string key) =>
        SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(FilterEvents.GetObject(bucket, key)));

    [Fact]
    public void Each_bucket_gets_its_rules_conditions_and_a_keyword_keeps_its_bucket_whole()
    {
        var filters = Compile(ReadmeRules, ["www-assets", "prod-backups", "acme-finance-exports"]);

        var www = filters.Buckets[0];
        Assert.Equal([new KeyCondition(KeyMatch.Prefix, "hr/exports/"), new KeyCondition(KeyMatch.Suffix, ".pem")], www.Key);
        Assert.Equal([new TrailCondition("", ".pem"), new TrailCondition("hr/exports/", "")], www.Trail);
        Assert.Contains(new KeyCondition(KeyMatch.Wildcard, "backups/*/db-*.sql.gz"), filters.Buckets[1].Key!);
        var finance = filters.Buckets[2];
        Assert.Null(finance.Key);
        Assert.Equal("cardholder", Assert.Single(finance.KeyBlockers).Rule.Value);
        Assert.Equal([TrailCondition.Whole], finance.Trail);

        Assert.True(Read(filters, "www-assets", "hr/exports/2024.csv"));
        Assert.True(Read(filters, "www-assets", "keys/prod/id.pem"));
        Assert.False(Read(filters, "www-assets", "index.html"));
        Assert.True(Read(filters, "prod-backups", "backups/2024-11/db-main.sql.gz"));
        Assert.False(Read(filters, "www-assets", "backups/2024-11/db-main.sql.gz"));
        Assert.True(Read(filters, "acme-finance-exports", "anything/at/all"));
        Assert.False(Read(filters, "not-monitored", "hr/exports/2024.csv"));

        Assert.True(Logged(filters, "www-assets", "hr/exports/2024.csv"));
        Assert.True(Logged(filters, "www-assets", "a/b.pem"));
        Assert.False(Logged(filters, "www-assets", "index.html"));
        Assert.True(Logged(filters, "acme-finance-exports", "anything"));
    }

    [Fact]
    public void The_same_rules_in_another_order_compile_to_the_same_filters()
    {
        var forward = Compile(ReadmeRules, ["www-assets", "prod-backups"]);
        var backward = Compile([.. ReadmeRules.Reverse()], ["www-assets", "prod-backups"]);
        Assert.Equal(forward.ReadRule.ToJsonString(), backward.ReadRule.ToJsonString());
        Assert.Equal(forward.CopyOutRule!.ToJsonString(), backward.CopyOutRule!.ToJsonString());
        Assert.Equal(forward.Trail.ToJsonString(), backward.Trail.ToJsonString());
    }

    [Fact]
    public void Fixture_records_pass_or_not_as_their_keys_say()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Prefix, "exports/2024/")], ["acme-finance-exports"]);
        var read = Fixtures.Node("record-GetObject-iamuser.json");
        Assert.True(EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(read)));
        Assert.True(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(read)));
        read["requestParameters"]!["key"] = "exports/2023/cardholder-data.csv";
        read["resources"]![0]!["ARN"] = "arn:aws:s3:::acme-finance-exports/exports/2023/cardholder-data.csv";
        Assert.False(EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(read)));
        Assert.False(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(read)));

        // The encoded copy source ("exports%2F2024%2Fcardholder%20data%3Fq4.csv") cannot be bounded: it passes.
        var copy = Fixtures.Node("record-UploadPartCopy-encoded-copy-source.json");
        var copyFilters = Compile([new SensitivityRule(RuleKind.Prefix, "exports/2024/", Bucket: "acme-finance-exports")], ["acme-finance-exports"]);
        Assert.True(EventPatternMatcher.Matches(copyFilters.CopyOutRule!, FilterEvents.Delivered(copy)));
        Assert.True(SelectorMatcher.Logs(copyFilters.Trail, TrailEvent.Of(copy)));
        // So does every access point source, whichever bucket is behind it.
        var viaAccessPoint = Fixtures.Node("record-CopyObject-access-point-source.json");
        Assert.True(EventPatternMatcher.Matches(copyFilters.CopyOutRule!, FilterEvents.Delivered(viaAccessPoint)));
        // A plain source outside the rule does not.
        copy["requestParameters"]!["x-amz-copy-source"] = "acme-finance-exports/public/readme.txt";
        Assert.False(EventPatternMatcher.Matches(copyFilters.CopyOutRule!, FilterEvents.Delivered(copy)));
        copy["requestParameters"]!["x-amz-copy-source"] = "/acme-finance-exports/exports/2024/q4.csv?versionId=3HL4kqtJvjVBH40Nrjfkd";
        Assert.True(EventPatternMatcher.Matches(copyFilters.CopyOutRule!, FilterEvents.Delivered(copy)));
    }

    [Fact]
    public void The_copy_out_pattern_has_the_documented_shape()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Prefix, "hr/", Bucket: "pay-data")], ["pay-data"], new FilterOptions());
        var expected = JsonNode.Parse("""
            {"source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"],
             "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": ["CopyObject", "UploadPartCopy"],
               "requestParameters": {"bucketName": [{"anything-but": ["pay-data"]}],
                 "x-amz-copy-source": [{"wildcard": "*%*"}, {"prefix": "arn:"}, {"prefix": "/arn:"}, {"prefix": "//"}, {"prefix": "/pay-data/hr/"}, {"prefix": "pay-data/hr/"}]}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, filters.CopyOutRule), filters.CopyOutRule!.ToJsonString());
    }

    [Fact]
    public void Literal_asterisks_and_backslashes_are_escaped_for_wildcard()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Glob, "dir\\*.txt"), new SensitivityRule(RuleKind.Keyword, "a*b")], ["files-01"],
            new FilterOptions(CaseExactKeywords: true));
        Assert.Equal([new KeyCondition(KeyMatch.Wildcard, "*a\\*b*"), new KeyCondition(KeyMatch.Wildcard, "dir\\\\*.txt")], filters.Buckets[0].Key);
        Assert.True(Read(filters, "files-01", "dir\\notes.txt"));
        Assert.True(Read(filters, "files-01", "x/a*b/y"));
        Assert.False(Read(filters, "files-01", "x/aXb/y"));
        Assert.False(Read(filters, "files-01", "dir/notes.txt"));
    }

    [Fact]
    public void Case_exact_keywords_filter_on_the_case_written_and_say_so()
    {
        var rules = new[] { new SensitivityRule(RuleKind.Keyword, "cardholder") };
        var exact = Compile(rules, ["pay-data"], new FilterOptions(CaseExactKeywords: true));
        Assert.True(Read(exact, "pay-data", "2024/cardholder.csv"));
        // Narrower than the rule, as the option says: the rule matches this key, the filter drops it.
        Assert.False(Read(exact, "pay-data", "2024/CardHolder.csv"));
        Assert.Contains("case-exact", exact.Buckets[0].Rules[0].KeyWhy!, StringComparison.Ordinal);
        // The trail cannot express "contains": the bucket is logged whole either way.
        Assert.Equal([TrailCondition.Whole], exact.Buckets[0].Trail);
        Assert.Null(Compile(rules, ["pay-data"]).Buckets[0].Key);
    }

    [Fact]
    public void A_bucket_no_rule_reaches_passes_no_read_but_its_copies_are_still_judged()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Prefix, "hr/", Bucket: "pay-data")], ["pay-data", "www-assets"]);
        Assert.Empty(filters.Buckets[1].Key!);
        Assert.Empty(filters.Buckets[1].Trail);
        Assert.False(Read(filters, "www-assets", "hr/x"));
        Assert.False(Logged(filters, "www-assets", "hr/x"));
        // A copy from pay-data's hr/ into www-assets reads a sensitive object: both filters pass it.
        var copy = FilterEvents.Copy("CopyObject", "pay-data/hr/payroll.csv", ("pay-data", "hr/payroll.csv"), "www-assets", "tmp/p.csv");
        Assert.True(EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(copy)));
        Assert.True(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(copy)));
    }

    [Fact]
    public void A_glob_with_many_wildcards_is_widened_to_its_literal_start_and_end()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Glob, "a/*/b/*/c/*/d/*/e/*.csv")], ["pay-data"]);
        var bound = filters.Buckets[0].Rules[0];
        Assert.Equal(new KeyCondition(KeyMatch.Wildcard, "a/*.csv"), bound.Key);
        Assert.Contains("widened", bound.KeyWhy!, StringComparison.Ordinal);
        Assert.True(Read(filters, "pay-data", "a/1/b/2/c/3/d/4/e/5.csv"));
    }

    [Fact]
    public void A_glob_without_a_literal_start_or_end_keeps_the_bucket_unfiltered_and_says_why()
    {
        var filters = Compile([new SensitivityRule(RuleKind.Glob, "*")], ["pay-data"]);
        Assert.Null(filters.Buckets[0].Key);
        Assert.Equal([TrailCondition.Whole], filters.Buckets[0].Trail);
        Assert.Contains("no literal start or end", filters.Buckets[0].Rules[0].KeyWhy!, StringComparison.Ordinal);
        Assert.Contains(filters.Notes, n => n.StartsWith("read rule: no monitored bucket is key-filtered", StringComparison.Ordinal));
    }

    [Fact]
    public void Over_EventBridge_size_quota_the_longest_branches_stop_filtering_until_the_pattern_fits()
    {
        var rules = Enumerable.Range(0, 120).Select(i => new SensitivityRule(RuleKind.Prefix, $"department-{i:D3}/exports/", Bucket: "pay-data"))
            .Append(new SensitivityRule(RuleKind.Prefix, "hr/", Bucket: "www-assets")).ToArray();
        var filters = Compile(rules, ["pay-data", "www-assets"]);

        var note = Assert.Single(filters.Notes, n => n.StartsWith("read rule", StringComparison.Ordinal));
        Assert.Contains("no longer filtered, to fit EventBridge's limits: x-amz-copy-source of bucketName", note, StringComparison.Ordinal);
        Assert.Contains("key of bucketName [\"pay-data\"] (the pattern would be", note, StringComparison.Ordinal);
        Assert.Contains("over the 2,048 quota", note, StringComparison.Ordinal);
        Assert.True(filters.ReadRule.ToJsonString().Length <= 2048);
        Assert.True(Read(filters, "pay-data", "anything"));
        Assert.True(Read(filters, "www-assets", "hr/x"));
        Assert.False(Read(filters, "www-assets", "index.html"));
        // A pattern that cannot fit even unfiltered per branch is the template's unfiltered one.
        var tiny = Compile(rules, ["pay-data", "www-assets"], new FilterOptions(MaxPatternLength: 100));
        Assert.Contains(tiny.Notes, n => n.StartsWith("read rule: left unfiltered", StringComparison.Ordinal));
        Assert.True(Read(tiny, "www-assets", "index.html"));
    }

    [Fact]
    public void More_wildcards_on_a_field_than_EventBridge_is_known_to_accept_widen_the_heaviest_branch()
    {
        string[] globs = ["a*/b*", "c*/d*", "e*/f*", "g*/h*"];
        var filters = Compile([.. globs.Select((g, i) => new SensitivityRule(RuleKind.Glob, g, Bucket: i < 3 ? "pay-data" : "www-assets"))], ["pay-data", "www-assets"]);

        var note = Assert.Single(filters.Notes, n => n.StartsWith("read rule", StringComparison.Ordinal));
        Assert.Contains("key of bucketName [\"pay-data\"] (more than 6 wildcards on key)", note, StringComparison.Ordinal);
        Assert.True(Read(filters, "pay-data", "zzz"));
        Assert.True(Read(filters, "www-assets", "g1/h2"));
        Assert.False(Read(filters, "www-assets", "zzz"));
        var wildcards = filters.ReadRule.ToJsonString().Split("wildcard").Skip(1).Sum(w => w.Split('"')[2].Count(c => c == '*'));
        Assert.InRange(wildcards, 1, 2 * EventPatterns.MaxWildcardsPerField);
    }

    [Fact]
    public void Selectors_over_CloudTrail_quota_fall_back_to_whole_buckets()
    {
        var rules = Enumerable.Range(0, 600).Select(i => new SensitivityRule(RuleKind.Prefix, $"p{i}/")).ToArray();
        var filters = Compile(rules, ["pay-data"]);
        Assert.Contains(filters.Notes, n => n.Contains("logged whole", StringComparison.Ordinal));
        Assert.True(Logged(filters, "pay-data", "anything"));
        var suffixes = Enumerable.Range(0, 200).Select(i => new SensitivityRule(RuleKind.Glob, $"**/*.x{i}", Bucket: i % 2 == 0 ? "pay-data" : "hr-exports")).ToArray();
        var merged = Compile(suffixes, ["pay-data", "hr-exports"]);
        Assert.Contains(merged.Notes, n => n.Contains("share one selector", StringComparison.Ordinal));
        Assert.True(Logged(merged, "pay-data", "a/b.x10"));
        Assert.False(Logged(merged, "pay-data", "a/b.txt"));
    }

    [Fact]
    public void Unreadable_stored_rules_leave_everything_unfiltered()
    {
        var filters = FilterCompiler.Compile(ReadmeRules, ["www-assets"], Events, new FilterOptions(), ["rule item 7: unknown level"]);
        Assert.Null(filters.Buckets[0].Key);
        Assert.Null(filters.CopySource.Conditions);
        Assert.True(Read(filters, "www-assets", "index.html"));
        Assert.True(Logged(filters, "www-assets", "index.html"));
        Assert.Contains(filters.Notes, n => n.Contains("rule item 7", StringComparison.Ordinal));
    }

    [Fact]
    public void The_trail_uses_the_partition_given() =>
        Assert.Contains("arn:aws-cn:s3:::pay-data/hr/", Compile([new SensitivityRule(RuleKind.Prefix, "hr/")], ["pay-data"], new FilterOptions(Partition: "aws-cn")).Trail.ToJsonString(),
            StringComparison.Ordinal);
}
