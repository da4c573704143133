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

    private const string FinanceAccessPoint = "arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap";

    /// <summary>A copy out of acme-finance through finance-ap whose record does not name the bucket (no resources entry for it).</summary>
    private static readonly string CopyThroughAccessPoint = Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail", "record-CopyObject-access-point-source.json");

    private readonly DynaliteServer _dynalite;
    private readonly string _table = "allowlist-" + Guid.NewGuid().ToString("N");

    public AllowlistCommandTests(Server server)
    {
        _dynalite = server.Dynalite;
        Assert.Equal(ExitCodes.Ok, Allowlist("create-table").ExitCode);
    }

    private CliRun Allowlist(params string[] args) => AllowlistOn(_table, args);

    private CliRun AllowlistOn(string table, params string[] args) =>
        CliRun.Of(["allowlist", .. args, "--table", table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1"]);

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
    [InlineData("add-principal", "etl", "--account", "1234")]
    [InlineData("add-principal", "etl", "--account", "1111-2222-3333", "--bucket", "prod-data")]
    [InlineData("add-rule", "keyword", "x", "--account", "11112222333a")]
    [InlineData("add-rule", "keyword", "x", "--level", "severe")]
    [InlineData("add-access-point", "arn:aws:s3:::acme-finance", "--bucket", "acme-finance")]
    [InlineData("add-access-point", "arn:aws:s3:eu-west-1:1111:accesspoint/finance-ap", "--bucket", "acme-finance")]
    [InlineData("add-access-point", "arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap/object/key", "--bucket", "acme-finance")]
    [InlineData("add-access-point", "finance-ap", "--bucket", "acme-finance")]
    [InlineData("add-access-point", FinanceAccessPoint, "--bucket", "Acme_Finance")]
    [InlineData("add-access-point", FinanceAccessPoint, "--bucket", "")]
    [InlineData("add-access-point", FinanceAccessPoint)]
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
    public async Task Import_of_a_file_with_a_bad_account_names_the_entry_and_writes_nothing()
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.json", """
            {"principals": ["etl", {"value": "etl", "account": "111122223333"}, {"value": "etl", "account": "11112222333"}],
             "accountAliases": {"111122223333": "prod-data"}}
            """);

        var run = Allowlist("import", file);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("principals[2]: \"account\" \"11112222333\" is not an account ID (12 digits)", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public async Task Account_scoped_items_are_added_listed_with_their_scope_and_removed_by_it()
    {
        Allowlist("add-principal", "etl");
        Assert.Equal(ExitCodes.Ok, Allowlist("add-principal", "etl", "--account", "111122223333").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-principal", "etl", "--account", "111122223333", "--bucket", "prod-data").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-rule", "prefix", "hr/", "--account", "444455556666").ExitCode);

        var table = Allowlist("list");
        var mine = Allowlist("list", "--account", "111122223333", "--format", "json");

        Assert.Contains("account#111122223333#bucket#prod-data", table.Out, StringComparison.Ordinal);
        Assert.Contains("account#444455556666", table.Out, StringComparison.Ordinal);
        var json = JsonDocument.Parse(mine.Out).RootElement;
        Assert.Equal([null, "111122223333", "111122223333"],
            json.GetProperty("principals").EnumerateArray().Select(p => p.TryGetProperty("account", out var a) ? a.GetString() : null));
        Assert.Equal(0, json.GetProperty("rules").GetArrayLength());
        Assert.Equal(ExitCodes.UsageError, Allowlist("remove", "principal", "etl", "--account", "444455556666").ExitCode);
        var removed = Allowlist("remove", "principal", "etl", "--account", "111122223333", "--bucket", "prod-data");
        Assert.Equal(ExitCodes.Ok, removed.ExitCode);
        Assert.Contains("removed account#111122223333#bucket#prod-data / principal#etl", removed.Out, StringComparison.Ordinal);
        Assert.Equal(3, await ItemCountAsync());
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
              "rules": [{"type": "keyword", "value": "cardholder", "level": "critical"}, {"type": "prefix", "value": "hr/"}, {"type": "glob", "value": "**/*.pem", "level": "low", "bucket": "prod-data"}],
              "accessPoints": [{"accessPoint": "arn:aws:s3:us-east-1:123456789012:accesspoint/prod-ap", "bucket": "prod-data"}],
              "accountAliases": {"123456789012": "prod"}
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
        var accessPoint = Assert.Single(config.GetProperty("accessPoints").EnumerateArray());
        Assert.Equal(("arn:aws:s3:us-east-1:123456789012:accesspoint/prod-ap", "prod-data"), (accessPoint.GetProperty("accessPoint").GetString(), accessPoint.GetProperty("bucket").GetString()));
        Assert.Equal("prod", config.GetProperty("accountAliases").GetProperty("123456789012").GetString());

        var fromTable = CliRun.Of("scan", "--table", _table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1", "--verdicts", Samples.Logs);
        var fromFile = CliRun.Of("scan", "--config", exported, "--verdicts", Samples.Logs);
        Assert.Equal(ExitCodes.Ok, fromTable.ExitCode);
        Assert.Equal(fromFile.Out, fromTable.Out);
        Assert.Contains("\"verdict\":\"alert\"", fromTable.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_with_one_item_too_large_for_DynamoDB_writes_nothing_and_exits_2()
    {
        using var dir = new TempDir();
        var sources = Enumerable.Range(1, 30).Select(i => $"\"10.0.{i}.0/24\"").Append($"{{\"value\": \"10.9.9.9\", \"note\": \"{new string('n', 410 * 1024)}\"}}");
        // A keyword (unlike an ARN pattern, not bounded by the config itself) long enough to overflow the sort key.
        var rules = $"{{\"type\": \"keyword\", \"value\": \"{new string('r', 1100)}\"}}";
        var tooLongItem = dir.Write("item.json", $"{{\"sources\": [{string.Join(", ", sources)}]}}");
        var tooLongKey = dir.Write("key.json", $"{{\"sources\": [\"10.1.0.0/16\"], \"rules\": [{rules}]}}");

        var item = Allowlist("import", tooLongItem);
        var key = Allowlist("import", tooLongKey);

        Assert.Equal((ExitCodes.UsageError, ExitCodes.UsageError), (item.ExitCode, key.ExitCode));
        Assert.Contains("DynamoDB items hold at most 409600", item.Error, StringComparison.Ordinal);
        Assert.Contains("sort keys hold at most 1024", key.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public async Task Import_refuses_the_bucket_names_add_source_refuses()
    {
        using var dir = new TempDir();
        var empty = dir.Write("empty.json", """{"sources": ["1.2.3.4", {"value": "10.0.0.0/8", "bucket": ""}]}""");
        var upper = dir.Write("upper.json", """{"rules": [{"type": "keyword", "value": "x", "bucket": "Prod_Data"}]}""");

        var runs = new[] { Allowlist("import", empty), Allowlist("import", upper), Allowlist("add-source", "1.2.3.4", "--bucket", "Prod_Data") };

        Assert.All(runs, r => Assert.Equal(ExitCodes.UsageError, r.ExitCode));
        Assert.All(runs, r => Assert.Contains("not an S3 bucket name", r.Error, StringComparison.Ordinal));
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public void A_value_DynamoDB_refuses_is_a_usage_error_not_unreachable()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-source", "1.2.3.4").ExitCode);

        // Remove sends the key unchecked: DynamoDB answers ValidationException (a key over 1024 bytes), which is
        // not a store that cannot be reached. (A missing table: A_table_that_does_not_exist_is_a_usage_error_not_unreachable.)
        var tooLong = Allowlist("remove", "principal", new string('r', 1100));

        Assert.Equal(ExitCodes.UsageError, tooLong.ExitCode);
        Assert.StartsWith("s3audit: deleting from ", tooLong.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every allowlist command, with arguments that pass its own checks, so the README's exit codes are checked for
    /// each command and not only for list.
    /// </summary>
    public static TheoryData<string> Commands => [.. ExistingTableCommands, "create-table"];

    /// <summary>The commands that work on a table that exists (all but create-table).</summary>
    public static TheoryData<string> ExistingTableCommands => ["list", "export", "add-source", "add-principal", "add-rule", "add-access-point", "remove", "import"];

    public static TheoryData<string, string, string> BadTableOrEndpoint
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var command in Commands)
            {
                foreach (var (option, value) in new[] { ("--table", "a b"), ("--table", "x"), ("--endpoint-url", "not a url"), ("--endpoint-url", "ftp://127.0.0.1:1") })
                    data.Add(command, option, value);
            }
            return data;
        }
    }

    private static string[] ArgsOf(string command) => command switch
    {
        "export" => ["export", "-"],
        "add-source" => ["add-source", "1.2.3.4"],
        "add-principal" => ["add-principal", "etl"],
        "add-rule" => ["add-rule", "keyword", "cardholder"],
        "add-access-point" => ["add-access-point", FinanceAccessPoint, "--bucket", "acme-finance"],
        "remove" => ["remove", "source", "1.2.3.4"],
        "import" => ["import", Samples.Config],
        _ => [command],
    };

    private static CliRun Against(string command, string table, string endpoint) =>
        CliRun.Of(["allowlist", .. ArgsOf(command), "--table", table, "--endpoint-url", endpoint, "--region", "us-east-1"]);

    [Theory]
    [MemberData(nameof(BadTableOrEndpoint))]
    public async Task A_bad_table_or_endpoint_is_a_usage_error(string command, string option, string value)
    {
        var run = option == "--table" ? Against(command, value, _dynalite.Endpoint) : Against(command, _table, value);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(value, run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Theory]
    [MemberData(nameof(ExistingTableCommands))]
    public void A_table_that_does_not_exist_is_a_usage_error_not_unreachable(string command)
    {
        var run = Against(command, "no-such-table", _dynalite.Endpoint);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("ResourceNotFoundException", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Creating_a_table_that_exists_is_a_usage_error_not_unreachable()
    {
        var run = Allowlist("create-table");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"s3audit: table {_table} already exists (or is being created or deleted); nothing created\n", run.Error);
    }

    [Theory]
    [InlineData("add-source", "1.2.3.4")]
    [InlineData("add-principal", "etl")]
    [InlineData("add-rule", "keyword", "cardholder")]
    [InlineData("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance")]
    public async Task An_add_DynamoDB_would_refuse_for_its_size_exits_2_and_writes_nothing(params string[] args)
    {
        var run = Allowlist([.. args, "--note", new string('n', 410 * 1024)]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("DynamoDB items hold at most 409600", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public async Task An_access_point_ARN_too_long_for_a_DynamoDB_key_exits_2_and_writes_nothing()
    {
        var run = Allowlist("add-access-point", "arn:aws:s3:eu-west-1:111122223333:accesspoint/" + new string('a', 1100), "--bucket", "acme-finance");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("sort keys hold at most 1024", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public void Export_to_a_missing_folder_or_onto_a_folder_is_one_clear_error()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-source", "1.2.3.4").ExitCode);
        using var dir = new TempDir();

        var missing = Allowlist("export", Path.Combine(dir.Path, "no-such-folder", "out.json"));
        var folder = Allowlist("export", dir.Path);

        Assert.Equal((ExitCodes.UsageError, ExitCodes.UsageError), (missing.ExitCode, folder.ExitCode));
        Assert.StartsWith("s3audit: cannot write ", missing.Error, StringComparison.Ordinal);
        Assert.StartsWith($"s3audit: cannot write {dir.Path}", folder.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_onto_a_full_disk_is_a_usage_error_and_leaves_no_partial_file()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "out.json");

        var error = Assert.Throws<UsageException>(() => ExportFile.Write(path, new byte[10_000], p => new FullDisk(p)));

        Assert.Equal($"cannot write {path}: No space left on device", error.Message);
        Assert.False(File.Exists(path));
    }

    /// <summary>Takes the first 100 bytes, then fails as a full disk does (ENOSPC).</summary>
    private sealed class FullDisk(string path) : FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0)
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer[..100]);
            throw new IOException("No space left on device");
        }
    }

    [Fact]
    public async Task Export_never_writes_an_item_scan_config_refuses()
    {
        using (var client = _dynalite.Client())
        {
            await client.PutItemAsync(_table, new() { ["scope"] = new("global"), ["entry"] = new("source#1.2.3.4") });
            // Items written by hand in the console: a CIDR that does not compile, an empty bucket scope.
            await client.PutItemAsync(_table, new() { ["scope"] = new("global"), ["entry"] = new("source#10.0.0.0/33") });
            await client.PutItemAsync(_table, new() { ["scope"] = new("bucket#"), ["entry"] = new("principal#etl") });
            await client.PutItemAsync(_table, new() { ["scope"] = new("bucket#Prod_Data"), ["entry"] = new("source#10.1.0.0/16") });
        }
        using var dir = new TempDir();
        var exported = Path.Combine(dir.Path, "exported.json");

        var run = Allowlist("export", exported);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("10.0.0.0/33", run.Error, StringComparison.Ordinal);
        var scan = CliRun.Of("scan", "--config", exported, "--verdicts", Samples.Logs);
        Assert.Equal(ExitCodes.Ok, scan.ExitCode);
        var sources = JsonDocument.Parse(File.ReadAllText(exported)).RootElement.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("value").GetString());
        Assert.Equal(["1.2.3.4"], sources);
    }

    [Fact]
    public async Task A_config_file_with_a_lone_surrogate_or_invalid_utf8_exits_2_naming_where()
    {
        using var dir = new TempDir();
        var surrogate = dir.Write("surrogate.json", """{"rules": [{"type": "keyword", "value": "\ud800"}]}""");
        var utf8 = Path.Combine(dir.Path, "utf8.json");
        File.WriteAllBytes(utf8, [.. CliRun.Utf8("{\"sources\": [\"1.2.3.4\", \"vpce-"), 0xFF, .. CliRun.Utf8("\"]}")]);

        var runs = new[] { CliRun.Of("scan", "--config", surrogate, Samples.Logs), CliRun.Of("scan", "--config", utf8, Samples.Logs), Allowlist("import", utf8) };

        Assert.All(runs, r => Assert.Equal(ExitCodes.UsageError, r.ExitCode));
        Assert.Contains("rules[0].value: not valid text", runs[0].Error, StringComparison.Ordinal);
        Assert.Contains("sources[1]: not valid text", runs[1].Error, StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public async Task Scan_with_the_table_and_export_refuse_a_rule_item_that_does_not_parse_naming_it()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-rule", "keyword", "secret").ExitCode);
        using (var client = _dynalite.Client())
            await client.PutItemAsync(_table, new() { ["scope"] = new("global"), ["entry"] = new("rule#keyword#cardholder"), ["level"] = new("Critical ") });
        using var dir = new TempDir();

        var scan = CliRun.Of("scan", "--table", _table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1", "--verdicts", Samples.Logs);
        var export = Allowlist("export", Path.Combine(dir.Path, "out.json"));
        var list = Allowlist("list");

        Assert.Equal((ExitCodes.UsageError, ""), (scan.ExitCode, scan.Out));
        Assert.Contains("global / rule#keyword#cardholder", scan.Error, StringComparison.Ordinal);
        Assert.Contains("unknown level \"Critical \"", scan.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, export.ExitCode);
        Assert.Contains("global / rule#keyword#cardholder", export.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out.json")));
        Assert.Contains("unusable rule item global / rule#keyword#cardholder", list.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_table_that_cannot_be_reached_exits_3_with_a_typed_error(string command)
    {
        var run = Against(command, _table, ClosedEndpoint());

        Assert.Equal(ExitCodes.StoreError, run.ExitCode);
        Assert.Matches($"^s3audit: [a-z ]+ {_table} failed: HttpRequestException: Connection refused", run.Error);
    }

    [Fact]
    public void Scan_with_a_table_that_cannot_be_reached_exits_3_and_evaluates_nothing()
    {
        var run = CliRun.Of("scan", "--table", _table, "--endpoint-url", ClosedEndpoint(), "--region", "us-east-1", Samples.Logs);

        Assert.Equal((ExitCodes.StoreError, ""), (run.ExitCode, run.Out));
        Assert.StartsWith($"s3audit: scanning {_table} failed: HttpRequestException", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A local port nothing listens on: every connection is refused at once.</summary>
    internal static string ClosedEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    [Fact]
    public async Task Add_access_point_writes_the_item_and_scan_with_the_table_then_judges_a_copy_through_it_by_the_buckets_rules()
    {
        // Only acme-finance's rule covers payroll/: the copy out through its access point must meet it.
        Assert.Equal(ExitCodes.Ok, Allowlist("add-rule", "prefix", "payroll/", "--bucket", "acme-finance", "--level", "critical").ExitCode);
        var unmapped = ScanWithTable(CopyThroughAccessPoint);

        var add = Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance", "--note", "finance exports");
        var mapped = ScanWithTable(CopyThroughAccessPoint);

        Assert.Equal((ExitCodes.Ok, $"added access point {FinanceAccessPoint} -> acme-finance to {_table}\n"), (add.ExitCode, add.Out));
        using (var client = _dynalite.Client())
        {
            var item = (await client.GetItemAsync(_table, new() { ["scope"] = new("global"), ["entry"] = new("accesspoint#" + FinanceAccessPoint) })).Item;
            Assert.Equal(("acme-finance", "finance exports"), (item["bucket"].S, item["note"].S));
            Assert.StartsWith("local:", item["addedBy"].S, StringComparison.Ordinal);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", item["addedAt"].S);
        }
        Assert.Equal("not-sensitive", Verdict(unmapped));
        Assert.Equal("alert", Verdict(mapped));
        Assert.Contains("acme-finance/payroll/2024-10/payroll.csv matches prefix", mapped.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_access_point_again_replaces_the_mapping()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance").ExitCode);

        Assert.Equal(ExitCodes.Ok, Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance-v2").ExitCode);

        var mapping = Assert.Single(JsonDocument.Parse(Allowlist("list", "--format", "json").Out).RootElement.GetProperty("accessPoints").EnumerateArray());
        Assert.Equal("acme-finance-v2", mapping.GetProperty("bucket").GetString());
        Assert.Equal(1, await ItemCountAsync());
    }

    [Fact]
    public void List_shows_an_access_point_as_arn_to_bucket_in_the_global_scope()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance", "--note", "finance exports").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-source", "10.1.0.0/16", "--bucket", "acme-finance").ExitCode);

        var table = Allowlist("list");
        var forOtherBucket = Allowlist("list", "--bucket", "other-bucket", "--format", "json");

        var row = Assert.Single(table.OutLines, l => l.Contains(FinanceAccessPoint, StringComparison.Ordinal));
        Assert.Matches($@"^global +access-point +{System.Text.RegularExpressions.Regex.Escape(FinanceAccessPoint)} -> acme-finance +finance exports +local:", row);
        Assert.Contains("1 entries, 0 rules, 1 access points", table.Out, StringComparison.Ordinal);
        var mapping = Assert.Single(JsonDocument.Parse(forOtherBucket.Out).RootElement.GetProperty("accessPoints").EnumerateArray());
        Assert.Equal((FinanceAccessPoint, "acme-finance"), (mapping.GetProperty("accessPoint").GetString(), mapping.GetProperty("bucket").GetString()));
    }

    [Fact]
    public async Task Remove_access_point_removes_the_mapping_and_only_it()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-source", "10.1.0.0/16").ExitCode);

        var remove = Allowlist("remove", "access-point", FinanceAccessPoint);
        var again = Allowlist("remove", "access-point", FinanceAccessPoint);

        Assert.Equal((ExitCodes.Ok, $"removed global / accesspoint#{FinanceAccessPoint} from {_table}\n"), (remove.ExitCode, remove.Out));
        Assert.Equal(ExitCodes.UsageError, again.ExitCode);
        Assert.Contains("nothing removed", again.Error, StringComparison.Ordinal);
        Assert.Equal(1, await ItemCountAsync());
        Assert.Contains("1 entries, 0 rules, 0 access points", Allowlist("list").Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misplaced_access_point_item_is_named_by_list_refused_by_scan_and_removed_by_its_scope()
    {
        // Written by hand in a bucket scope: it cannot be used, so it fails closed (as an unusable rule does).
        using (var client = _dynalite.Client())
            await client.PutItemAsync(_table, new() { ["scope"] = new("bucket#acme-finance"), ["entry"] = new("accesspoint#" + FinanceAccessPoint), ["bucket"] = new("acme-finance") });

        var list = Allowlist("list");
        var scan = ScanWithTable(CopyThroughAccessPoint);
        var withoutScope = Allowlist("remove", "access-point", FinanceAccessPoint, "--bucket", "other-bucket");
        var remove = Allowlist("remove", "access-point", FinanceAccessPoint, "--bucket", "acme-finance");

        // Keys are cut to 60 characters in messages.
        Assert.Contains("unusable access point item bucket#acme-finance / accesspoint#arn:aws:s3:eu-west-1:", list.Error, StringComparison.Ordinal);
        Assert.Contains("belongs in the global scope", list.Error, StringComparison.Ordinal);
        Assert.Equal((ExitCodes.UsageError, ""), (scan.ExitCode, scan.Out));
        Assert.Contains("belongs in the global scope", scan.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, withoutScope.ExitCode);
        Assert.Contains("access point items are global", withoutScope.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, remove.ExitCode);
        Assert.Equal(0, await ItemCountAsync());
    }

    [Fact]
    public void Export_round_trips_an_access_point_with_its_note_and_who_added_it()
    {
        Assert.Equal(ExitCodes.Ok, Allowlist("add-access-point", FinanceAccessPoint, "--bucket", "acme-finance", "--note", "finance exports").ExitCode);
        Assert.Equal(ExitCodes.Ok, Allowlist("add-rule", "prefix", "payroll/", "--bucket", "acme-finance").ExitCode);
        using var dir = new TempDir();
        var first = Path.Combine(dir.Path, "first.json");
        var second = Path.Combine(dir.Path, "second.json");
        var copy = "copy-" + Guid.NewGuid().ToString("N");
        Assert.Equal(ExitCodes.Ok, AllowlistOn(copy, "create-table").ExitCode);

        var export = Allowlist("export", first);
        var import = AllowlistOn(copy, "import", first);
        var exportAgain = AllowlistOn(copy, "export", second);

        Assert.Equal((ExitCodes.Ok, $"exported 0 entries, 1 rules and 1 access points to {first}\n"), (export.ExitCode, export.Out));
        Assert.Equal(ExitCodes.Ok, import.ExitCode);
        Assert.Contains("1 access points", import.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, exportAgain.ExitCode);
        Assert.Equal(File.ReadAllText(first), File.ReadAllText(second));
        var mapping = Assert.Single(JsonDocument.Parse(File.ReadAllText(first)).RootElement.GetProperty("accessPoints").EnumerateArray());
        Assert.Equal((FinanceAccessPoint, "acme-finance", "finance exports"),
            (mapping.GetProperty("accessPoint").GetString(), mapping.GetProperty("bucket").GetString(), mapping.GetProperty("note").GetString()));
        Assert.StartsWith("local:", mapping.GetProperty("addedBy").GetString(), StringComparison.Ordinal);
        Assert.True(mapping.TryGetProperty("addedAt", out _));
        // The file maps the copy as the table does.
        var fromFile = CliRun.Of("scan", "--config", first, "--verdicts", CopyThroughAccessPoint);
        Assert.Equal(ScanWithTable(CopyThroughAccessPoint).Out, fromFile.Out);
        Assert.Equal("alert", Verdict(fromFile));
    }

    private CliRun ScanWithTable(string path) =>
        CliRun.Of("scan", "--table", _table, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1", "--verdicts", path);

    private static string? Verdict(CliRun scan) => JsonDocument.Parse(Assert.Single(scan.OutLines)).RootElement.GetProperty("verdict").GetString();
}
