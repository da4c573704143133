using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>`s3audit allowlist` against a real dynalite: what a security engineer does to change trust without a redeploy.</summary>
public sealed class AllowlistCommandTests : IClassFixture<AllowlistCommandTests.Server>
{
    public sealed class Server : IDisposable
    {
        public DynaliteServer Dynalite { get; } = DynaliteServer.Start();

        public void Dispose() => Dynalite.Dispose();
    }

    private readonly DynaliteServer _dynalite;
    private readonly string _table = "allowlist-" + Guid.NewGuid().ToString("N");

    public AllowlistCommandTests(Server server)
    {
        _dynalite = server.Dynalite;
        Assert.Equal(ExitCodes.Ok, Allowlist("create-table").ExitCode);
    }

    private CliRun Allowlist(params string[] args) =>
        CliRun.Of(["allowlist", .. args, "--table", _table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1"]);

    private async Task<int> ItemCountAsync()
    {
        using var client = _dynalite.Client();
        return (await client.ScanAsync(new ScanRequest { TableName = _table })).Count ?? 0;
    }

    [Fact]
    public async Task Add_list_and_remove_each_kind_of_item()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-source", "10.0.0.0/8", "--bucket", "prod-data", "--expires", "2027-01-01T00:00:00Z", "--note", "VPC").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-principal", "arn:aws:iam::123456789012:role/etl-*").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-rule", "glob", "**/*.pem", "--level", "critical").ExitCode);

        var listed = Allowlist("list");
        Assert.Contains("prod-data  source", listed.Out, StringComparison.Ordinal);
        Assert.Contains("2027-01-01T00:00:00Z  VPC", listed.Out, StringComparison.Ordinal);
        Assert.Contains("arn:aws:iam::123456789012:role/etl-*", listed.Out, StringComparison.Ordinal);
        Assert.Contains("local:", listed.Out, StringComparison.Ordinal);
        Assert.Contains("2 entries, 1 rules", listed.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, Allowlist("remove", "source", "10.0.0.0/8", "--bucket", "prod-data").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("remove", "rule", "glob", "**/*.pem").ExitCode);
        Assert.Equal(1, await ItemCountAsync());
        var again = Allowlist("remove", "source", "10.0.0.0/8", "--bucket", "prod-data");
        Assert.Equal(ExitCodes.UsageError, again.ExitCode);
        Assert.Contains("nothing removed", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_for_a_bucket_shows_global_items_and_that_buckets_only()
    {
        Allowlist("add-source", "54.153.44.90");
        Allowlist("add-source", "10.1.0.0/16", "--bucket", "bucket-a");
        Allowlist("add-source", "10.2.0.0/16", "--bucket", "bucket-b");

        var listed = Allowlist("list", "--bucket", "bucket-a", "--format", "json");

        var values = JsonDocument.Parse(listed.Out).RootElement.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("value").GetString());
        Assert.Equal(["54.153.44.90", "10.1.0.0/16"], values);
        Assert.Equal(3, await ItemCountAsync());
    }

    [Theory]
    [InlineData("add-source", "10.0.0.0/33")]
    [InlineData("add-source", "example.com")]
    [InlineData("add-principal", "arn:aws:s3:::bucket/key")]
    [InlineData("add-principal", "role with spaces")]
    [InlineData("add-source", "1.2.3.4", "--expires", "next week")]
    [InlineData("add-source", "1.2.3.4", "--bucket", "Not_A_Bucket")]
    [InlineData("add-rule", "regex", ".*")]
    [InlineData("add-rule", "keyword", "x", "--level", "severe")]
    public async Task Invalid_input_exits_2_and_writes_nothing(params string[] args)
    {
        var run = Allowlist(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.NotEqual("", run.Error);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public async Task Import_of_a_bad_file_names_the_entry_and_writes_nothing()
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.json", """{"sources": ["54.153.44.90", "10.0.0.0/33"], "principals": ["etl"]}""");

        var run = Allowlist("import", file);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("sources[1] \"10.0.0.0/33\"", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public void Import_then_export_round_trips_and_scan_with_the_table_equals_scan_with_the_export()
    {
        using var dir = new TempDir();
        var rich = dir.Write("rich.json", """
            {
              "version": 1,
              "sources": ["54.153.44.90", {"value": "10.0.0.0/8", "bucket": "prod-data", "expires": "2027-01-01T00:00:00Z", "note": "VPC"}],
              "principals": ["role_with_permissions", {"value": "arn:aws:iam::123456789012:role/etl-*"}],
              "rules": [{"type": "keyword", "value": "cardholder", "level": "critical"}, {"type": "prefix", "value": "hr/"}, {"type": "glob", "value": "**/*.pem", "level": "low", "bucket": "prod-data"}]
            }
            """);
        Assert.Equal(ExitCodes.Ok, Allowlist("import", rich).ExitCode);
        var exported = Path.Combine(dir.Path, "exported.json");

        Assert.Equal(ExitCodes.Ok, Allowlist("export", exported).ExitCode);

        var config = JsonDocument.Parse(File.ReadAllText(exported)).RootElement;
        Assert.Equal(2, config.GetProperty("sources").GetArrayLength());
        Assert.Equal(2, config.GetProperty("principals").GetArrayLength());
        Assert.Equal(["critical", "high", "low"], config.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("level").GetString()).Order(StringComparer.Ordinal));
        var vpc = config.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("value").GetString() == "10.0.0.0/8");
        Assert.Equal(("prod-data", "2027-01-01T00:00:00Z", "VPC"), (vpc.GetProperty("bucket").GetString(), vpc.GetProperty("expires").GetString(), vpc.GetProperty("note").GetString()));
        Assert.StartsWith("local:", vpc.GetProperty("addedBy").GetString(), StringComparison.Ordinal);

        var fromTable = CliRun.Of("scan", "--table", _table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1", "--verdicts", Samples.Logs);
        var fromFile = CliRun.Of("scan", "--config", exported, "--verdicts", Samples.Logs);
        Assert.Equal(ExitCodes.Ok, fromTable.ExitCode);
        Assert.Equal(fromFile.Out, fromTable.Out);
        Assert.Contains("\"verdict\":\"alert\"", fromTable.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_that_cannot_be_reached_exits_3_with_a_typed_error()
    {
        using var stopped = DynaliteServer.Start();
        var endpoint = stopped.Endpoint;
        stopped.Stop();

        var run = CliRun.Of("allowlist", "list", "--table", _table, "--endpoint-url", endpoint, "--region", "us-east-1");

        Assert.Equal(ExitCodes.StoreError, run.ExitCode);
        Assert.Contains($"scanning {_table} failed", run.Error, StringComparison.Ordinal);
    }
}
