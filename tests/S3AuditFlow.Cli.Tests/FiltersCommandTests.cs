using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>`s3audit filters`: what a user sees before turning pre-filters on, from a config file or the live table.</summary>
public sealed class FiltersCommandTests : IClassFixture<AllowlistCommandTests.Server>
{

    /// <summary>The README's rule examples: a prefix, two globs (one scoped), a keyword scoped to the finance bucket.</summary>
    private const string Config = """
        {"version": 1,
         "monitoredEvents": ["GetObject", "CopyObject"],
         "rules": [
           {"type": "prefix", "value": "hr/exports/"},
           {"type": "glob", "value": "**/*.pem", "level": "critical"},
           {"type": "glob", "value": "backups/*/db-*.sql.gz", "level": "medium", "bucket": "prod-backups"},
           {"type": "keyword", "value": "cardholder", "level": "critical", "bucket": "acme-finance-exports"}]}
        """;

    private readonly DynaliteServer _dynalite;

    public FiltersCommandTests(AllowlistCommandTests.Server server) => _dynalite = server.Dynalite;

    /// <summary>A new config table holding the rules (`allowlist add-rule` arguments); returns the options that reach it.</summary>
    private string[] TableWithRules(params string[][] rules)
    {
        string[] target = ["--table", "filters-" + Guid.NewGuid().ToString("N"), "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1"];
        Assert.Equal(ExitCodes.Ok, CliRun.Of(["allowlist", "create-table", .. target]).ExitCode);
        foreach (var rule in rules)
            Assert.Equal(ExitCodes.Ok, CliRun.Of(["allowlist", "add-rule", .. rule, .. target]).ExitCode);
        return target;
    }

    [Fact]
    public void Text_names_each_buckets_conditions_and_the_rule_that_keeps_one_unfiltered()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("filters", "--config", dir.Write("config.json", Config), "--bucket", "www-assets,prod-backups", "--bucket", "acme-finance-exports");

        Assert.Equal((ExitCodes.Ok, ""), (run.ExitCode, run.Error));
        var blocks = run.Out.Split("\nbucket ", StringSplitOptions.None);
        var www = Assert.Single(blocks, b => b.StartsWith("www-assets", StringComparison.Ordinal));
        Assert.Contains("key filtered: prefix hr/exports/ | suffix .pem", www, StringComparison.Ordinal);
        Assert.Contains("StartsWith arn:aws:s3:::www-assets/ and EndsWith .pem | StartsWith arn:aws:s3:::www-assets/hr/exports/", www, StringComparison.Ordinal);
        var backups = Assert.Single(blocks, b => b.StartsWith("prod-backups", StringComparison.Ordinal));
        Assert.Contains("glob \"backups/*/db-*.sql.gz\" in bucket prod-backups (medium)", backups, StringComparison.Ordinal);
        Assert.Contains("wildcard backups/*/db-*.sql.gz", backups, StringComparison.Ordinal);
        var finance = Assert.Single(blocks, b => b.StartsWith("acme-finance-exports", StringComparison.Ordinal));
        Assert.Contains("NOT key-filtered", finance, StringComparison.Ordinal);
        Assert.Contains("keyword \"cardholder\" in bucket acme-finance-exports: a keyword matches in any case", finance, StringComparison.Ordinal);
        Assert.Contains("logs the whole bucket", finance, StringComparison.Ordinal);
        Assert.DoesNotContain("Other monitored buckets", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_prints_the_patterns_and_selectors_a_deployment_applies()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("filters", "--config", dir.Write("config.json", Config), "--bucket", "www-assets", "--format", "json");

        Assert.Equal((ExitCodes.Ok, ""), (run.ExitCode, run.Error));
        var document = JsonNode.Parse(run.Out)!;
        var read = document["eventBridge"]!["S3ObjectRead"]!;
        Assert.Equal("""["CopyObject","GetObject"]""", read["detail"]!["eventName"]!.ToJsonString());
        var branches = read["detail"]!["$or"]!.AsArray();
        Assert.Equal("""{"requestParameters":{"bucketName":["www-assets"],"key":[{"prefix":"hr/exports/"},{"suffix":".pem"}]}}""", branches[0]!.ToJsonString());
        Assert.NotNull(document["eventBridge"]!["S3ObjectCopyOut"]);
        var selectors = document["trail"]!["AdvancedEventSelectors"]!.AsArray();
        Assert.Contains(selectors, s => s!["Name"]!.GetValue<string>() == "S3AuditFlow: sensitive reads ending .pem");
        Assert.True(document["buckets"]![0]!["keyFiltered"]!.GetValue<bool>());
        // Two global rules and "*%*" are the 6 wildcards on the copy source EventBridge is known to accept: nothing widened.
        Assert.Empty(document["notes"]!.AsArray());
        Assert.Contains("""{"wildcard":"*/hr/exports/*"}""", read.ToJsonString(), StringComparison.Ordinal);
        Assert.True(document["copySource"]!["filtered"]!.GetValue<bool>());
    }

    [Fact]
    public void Case_exact_keywords_filter_the_keyword_bucket_and_say_it_is_narrower()
    {
        using var dir = new TempDir();
        var config = dir.Write("config.json", Config);
        var run = CliRun.Of("filters", "--config", config, "--bucket", "acme-finance-exports", "--case-exact-keywords");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("key filtered: prefix hr/exports/ | suffix .pem | wildcard *cardholder*", run.Out, StringComparison.Ordinal);
        Assert.Contains("case-exact: only \"cardholder\" as written passes", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_bucket_the_rules_buckets_are_shown_and_any_other_bucket_gets_the_global_rules()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("filters", "--config", dir.Write("config.json", Config));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Pre-filters for 2 monitored buckets", run.Out, StringComparison.Ordinal);
        Assert.Contains("\nbucket (any other)\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("key filtered: prefix hr/exports/ | suffix .pem\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_config_keeps_every_bucket_unfiltered_because_of_its_keywords()
    {
        var run = CliRun.Of("filters", "--config", Samples.Config, "--bucket", "cg-cardholder-data-bucket-cgidlulwjvrwio", "--format", "json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var document = JsonDocument.Parse(run.Out).RootElement;
        Assert.False(document.GetProperty("buckets")[0].GetProperty("keyFiltered").GetBoolean());
        Assert.Equal(5, document.GetProperty("buckets")[0].GetProperty("rules").GetArrayLength());
        Assert.Contains("read rule: no monitored bucket is key-filtered", document.GetProperty("notes")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bucket", "Not_A_Bucket", "is not an S3 bucket name")]
    [InlineData("--format", "yaml", "yaml")]
    [InlineData("--partition", "aws-mars", "aws-mars")]
    public void Bad_options_exit_2(string option, string value, string message)
    {
        var run = CliRun.Of("filters", "--config", Samples.Config, option, value);
        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_without_any_bucket_and_a_bad_config_exit_2()
    {
        using var dir = new TempDir();
        var noBucket = CliRun.Of("filters", "--config", Samples.Config, "--format", "json");
        Assert.Equal(ExitCodes.UsageError, noBucket.ExitCode);
        Assert.Contains("name them with --bucket", noBucket.Error, StringComparison.Ordinal);

        var bad = CliRun.Of("filters", "--config", dir.Write("bad.json", """{"rules": [{"type": "regex", "value": "x"}]}"""));
        Assert.Equal((ExitCodes.UsageError, ""), (bad.ExitCode, bad.Out));
        Assert.Contains("unknown rule type \"regex\"", bad.Error, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.UsageError, CliRun.Of("filters").ExitCode);
    }

    [Fact]
    public void Table_rules_compile_like_the_same_rules_in_a_file()
    {
        var target = TableWithRules(["prefix", "hr/exports/"], ["glob", "**/*.pem", "--level", "critical"]);

        var run = CliRun.Of(["filters", "--bucket", "www-assets", "--format", "json", .. target]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var key = JsonNode.Parse(run.Out)!["buckets"]![0]!["key"]!.ToJsonString();
        Assert.Equal("""[{"prefix":"hr/exports/"},{"suffix":".pem"}]""", key);
    }

    [Fact]
    public async Task An_unusable_rule_in_the_table_leaves_everything_unfiltered_and_names_it()
    {
        var target = TableWithRules(["prefix", "hr/exports/"]);
        using (var client = _dynalite.Client())
            await client.PutItemAsync(target[1], new() { ["scope"] = new("global"), ["entry"] = new("rule#keyword#cardholder"), ["level"] = new("Critical ") });

        var run = CliRun.Of(["filters", "--bucket", "www-assets", .. target]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("nothing is filtered", run.Out, StringComparison.Ordinal);
        Assert.Contains("rule#keyword#cardholder", run.Out, StringComparison.Ordinal);
        Assert.Contains("NOT key-filtered", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_that_cannot_be_reached_exits_3()
    {
        var run = CliRun.Of("filters", "--table", "filters-unreachable", "--endpoint-url", AllowlistCommandTests.ClosedEndpoint(), "--region", "us-east-1", "--bucket", "www-assets");

        Assert.Equal((ExitCodes.StoreError, ""), (run.ExitCode, run.Out));
        Assert.Contains("Connection refused", run.Error, StringComparison.Ordinal);
    }
}
