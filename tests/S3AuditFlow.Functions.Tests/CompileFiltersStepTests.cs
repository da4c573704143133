using System.Text.Json.Nodes;
using S3AuditFlow.Aws;
using S3AuditFlow.Cli;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Compile Filters against the rules in a real dynalite: what it returns is what `s3audit filters --format json` prints.</summary>
public class CompileFiltersStepTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    internal static readonly string[] Buckets = ["www-assets", "prod-backups"];

    /// <summary>A new config table with the rules (its own: the shared one holds the seed's global keywords, which unfilter every bucket).</summary>
    internal static async Task<string> TableWithAsync(DynaliteTables tables, params SensitivityRule[] rules)
    {
        var table = await tables.Server.CreateConfigTableAsync();
        using var client = tables.Server.Client();
        await new DynamoConfigStore(client, table).PutAsync([], rules);
        return table;
    }

    internal static readonly SensitivityRule[] Rules =
    [
        new(RuleKind.Prefix, "hr/exports/"),
        new(RuleKind.Glob, "**/*.pem", SensitivityLevel.Critical),
        new(RuleKind.Glob, "backups/*/db-*.sql.gz", SensitivityLevel.Medium, "prod-backups"),
    ];

    private async Task<JsonObject> CompileAsync(string table, string partition = "aws")
    {
        using var client = tables.Server.Client();
        var step = new CompileFiltersStep(new DynamoConfigStore(client, table), Buckets, AuditConfig.DefaultMonitoredEvents, new FilterOptions(Partition: partition));
        // The input is whatever started the sync (here a Pipe batch of stream records); only the table counts.
        var output = await step.HandleAsync("""[{"eventName":"MODIFY","dynamodb":{"Keys":{"entry":{"S":"rule#prefix#x"}}}}]"""u8.ToArray(), CancellationToken.None);
        return JsonNode.Parse(output)!.AsObject();
    }

    private JsonObject Cli(string table) => Cli(tables, table);

    /// <summary>`s3audit filters --table T --bucket … --format json`, run in-process.</summary>
    internal static JsonObject Cli(DynaliteTables tables, string table)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(["filters", "--table", table, "--endpoint-url", tables.Server.Endpoint, "--region", "us-east-1", "--bucket", string.Join(',', Buckets), "--format", "json"],
            new CliConsole(output, error, () => new MemoryStream()));
        Assert.True(exit == 0, $"s3audit filters exited {exit}: {error}");
        return JsonNode.Parse(output.ToString())!.AsObject();
    }

    private void AssertSameAsCli(string table, JsonObject compiled)
    {
        var cli = Cli(table);
        Assert.Equal(cli["eventBridge"]!["S3ObjectRead"]!.ToJsonString(), JsonNode.Parse((string)compiled["readPattern"]!)!.ToJsonString());
        Assert.Equal(cli["eventBridge"]!["S3ObjectCopyOut"]!.ToJsonString(), JsonNode.Parse((string)compiled["copyOutPattern"]!)!.ToJsonString());
        Assert.Equal(cli["trail"]!["AdvancedEventSelectors"]!.ToJsonString(), compiled["advancedEventSelectors"]!.ToJsonString());
        Assert.Equal(cli["notes"]!.ToJsonString(), compiled["notes"]!.ToJsonString());
    }

    [Fact]
    public async Task Returns_exactly_the_patterns_and_selectors_s3audit_filters_prints()
    {
        var table = await TableWithAsync(tables, Rules);

        var compiled = await CompileAsync(table);

        AssertSameAsCli(table, compiled);
        Assert.Contains("\"prefix\":\"hr/exports/\"", (string)compiled["readPattern"]!, StringComparison.Ordinal);
        Assert.Contains("\"wildcard\":\"backups/*/db-*.sql.gz\"", (string)compiled["readPattern"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_invocation_reads_the_table_afresh()
    {
        var table = await TableWithAsync(tables, Rules);
        using var client = tables.Server.Client();
        var step = new CompileFiltersStep(new DynamoConfigStore(client, table), Buckets, AuditConfig.DefaultMonitoredEvents, new FilterOptions());
        var before = JsonNode.Parse(await step.HandleAsync("{}"u8.ToArray(), CancellationToken.None))!;

        await new DynamoConfigStore(client, table).PutAsync([], [new SensitivityRule(RuleKind.Prefix, "payroll/", SensitivityLevel.High)]);
        var after = JsonNode.Parse(await step.HandleAsync("{}"u8.ToArray(), CancellationToken.None))!;

        Assert.DoesNotContain("payroll/", (string)before["readPattern"]!, StringComparison.Ordinal);
        Assert.Contains("\"prefix\":\"payroll/\"", (string)after["readPattern"]!, StringComparison.Ordinal);
        Assert.Contains("payroll/", after["advancedEventSelectors"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_says_whether_the_filters_differ_from_the_digest_the_sync_applied()
    {
        var table = await TableWithAsync(tables, Rules);
        using var client = tables.Server.Client();
        var step = new CompileFiltersStep(new DynamoConfigStore(client, table), Buckets, AuditConfig.DefaultMonitoredEvents, new FilterOptions());
        async Task<JsonNode> Compile(string applied) =>
            JsonNode.Parse(await step.HandleAsync(System.Text.Encoding.UTF8.GetBytes($$"""{"applied": "{{applied}}"}"""), CancellationToken.None))!;

        var first = await Compile("");
        var digest = (string)first["digest"]!;
        var again = await Compile(digest);
        await new DynamoConfigStore(client, table).PutAsync([], [new SensitivityRule(RuleKind.Prefix, "payroll/", SensitivityLevel.High)]);
        var afterChange = await Compile(digest);

        Assert.True((bool)first["changed"]!, "nothing applied yet");
        Assert.Matches("^[0-9a-f]{64}$", digest);
        Assert.Equal((digest, false), ((string)again["digest"]!, (bool)again["changed"]!));
        Assert.NotEqual(digest, (string)afterChange["digest"]!);
        Assert.True((bool)afterChange["changed"]!, "a rule written since the digest was applied");
    }

    [Fact]
    public async Task An_unreadable_rule_item_yields_the_bucket_wide_filters_as_the_cli_does()
    {
        var table = await TableWithAsync(tables, Rules);
        using (var client = tables.Server.Client())
            await client.PutItemAsync(table, new() { ["scope"] = new("global"), ["entry"] = new("rule#keyword#cardholder"), ["level"] = new("Critical ") });

        var compiled = await CompileAsync(table);

        AssertSameAsCli(table, compiled);
        var read = JsonNode.Parse((string)compiled["readPattern"]!)!;
        Assert.Null(read["detail"]!["$or"]);
        Assert.Equal("""{"bucketName":["www-assets","prod-backups"]}""", read["detail"]!["requestParameters"]!.ToJsonString());
        Assert.Contains(compiled["notes"]!.AsArray(), n => ((string)n!).Contains("nothing is filtered", StringComparison.Ordinal));
        Assert.DoesNotContain("EndsWith", compiled["advancedEventSelectors"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Selectors_name_the_partition_the_function_runs_in()
    {
        var table = await TableWithAsync(tables, Rules);

        var compiled = await CompileAsync(table, FilterOptions.PartitionOf("cn-north-1"));

        Assert.Contains("arn:aws-cn:s3:::www-assets/", compiled["advancedEventSelectors"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("arn:aws:s3:::", compiled["advancedEventSelectors"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("cn-northwest-1", "aws-cn")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData(null, "aws")]
    public void The_partition_follows_the_region(string? region, string partition) =>
        Assert.Equal(partition, FilterOptions.PartitionOf(region));
}
