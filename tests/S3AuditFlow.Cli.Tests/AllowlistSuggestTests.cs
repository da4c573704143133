using System.Net;
using System.Text.Json;
using S3AuditFlow.TestSupport;
using static S3AuditFlow.TestSupport.FirstAllowlistHistory;

namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// `s3audit allowlist suggest` over the generated two weeks (<see cref="FirstAllowlistHistory"/>) and a real dynalite:
/// the routine workloads are suggested, the planted harvest, Root read, burst, probing and new address are not, and
/// after importing the suggestions a re-scan of the same history alerts on exactly what was not suggested.
/// </summary>
public sealed class AllowlistSuggestTests : IClassFixture<AllowlistSuggestTests.History>
{
    /// <summary>The history (written once) and the server.</summary>
    public sealed class History : IDisposable
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("s3audit-suggest-").FullName;
        public DynaliteServer Dynalite { get; } = DynaliteServer.Start();
        public string Config => Path.Combine(Folder, "config.json");
        public string Logs => Path.Combine(Folder, "logs");

        public History() => FirstAllowlistHistory.Write(Folder);

        public void Dispose()
        {
            Dynalite.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    private readonly History _history;

    public AllowlistSuggestTests(History history) => _history = history;

    private const string Cardholder = CardholderBucket;
    private const string Hr = HrBucket;

    /// <summary>(kind, value, bucket) of every entry the generated history should get, and nothing else.</summary>
    private static readonly (string Kind, string Value, string? Bucket)[] ExpectedEntries =
    [
        ("principal", RoleArn("etl-compactor"), null),
        ("source", "10.0.2.0/25", null),
        ("principal", RoleArn("etl-loader"), Cardholder),
        ("source", "10.0.1.15", Cardholder),
        ("principal", RoleArn("reporting"), Hr),
        ("principal", RoleArn("ml-feature"), Cardholder),
        ("source", "10.0.4.10", Cardholder),
        ("principal", "backup.amazonaws.com", Cardholder),
        ("source", "backup.amazonaws.com", Cardholder),
        ("principal", UserArn("partner-export"), Hr),
        ("source", "198.51.100.20", Hr),
    ];

    private CliRun Suggest(params string[] args) => CliRun.Of(["allowlist", "suggest", .. args, "--no-progress"]);

    private static JsonElement Json(CliRun run)
    {
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        return JsonDocument.Parse(run.Out).RootElement.Clone();
    }

    private static (string Kind, string Value, string? Bucket)[] Entries(JsonElement report) =>
        [.. report.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("kind").GetString()!, e.GetProperty("value").GetString()!,
            e.TryGetProperty("bucket", out var b) ? b.GetString() : null))];

    private static Dictionary<(string, string, string?), List<string>> Findings(JsonElement report, string list) =>
        report.GetProperty(list).EnumerateArray().ToDictionary(
            f => (f.GetProperty("principal").GetString()!, f.GetProperty("source").GetString()!, f.GetProperty("bucket").GetString()),
            f => f.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList());

    [Fact]
    public void Suggests_the_routine_workloads_only_and_lists_the_rest_with_the_evidence()
    {
        var report = Json(Suggest("--config", _history.Config, _history.Logs, "--format", "json"));

        Assert.Equal(ExpectedEntries.Order(), Entries(report).Order());
        // Every entry is scoped to the account the history was logged for: an entity name or a private address
        // means something else in another account.
        Assert.All(report.GetProperty("entries").EnumerateArray(), e => Assert.Equal(Account, e.GetProperty("account").GetString()));
        var worth = Findings(report, "worthALook");
        Assert.Equal(4, worth.Count);
        Assert.Contains(worth[("root/" + Account, "10.0.1.15", Cardholder)], r => r.Contains("the Root user", StringComparison.Ordinal));
        var harvest = worth[(RoleArn("etl-loader"), "203.0.113.50", Cardholder)];
        Assert.Contains(harvest, r => r.StartsWith("harvest: one burst reached the 100-object harvest threshold", StringComparison.Ordinal));
        Assert.Contains(harvest, r => r.StartsWith("first-seen public address 203.0.113.50: seen on 1 day(s)", StringComparison.Ordinal));
        Assert.Contains(worth[(RoleArn("data-science"), "10.0.4.10", Cardholder)], r => r.StartsWith("burst: 150 reads on 2026-03-12", StringComparison.Ordinal));
        Assert.Contains(worth[(UserArn("alice"), "10.0.3.40", Cardholder)], r => r.StartsWith("failed, then succeeded: 6 refused read(s)", StringComparison.Ordinal));
        Assert.Equal(["seen on 3 day(s), fewer than --min-days 5"], Findings(report, "notYetRoutine")[(RoleArn("contractor-sync"), "10.0.5.5", Cardholder)]);
        // data-science on its own host is routine, but its principal entry with ml-feature's source 10.0.4.10 would trust the burst.
        var held = Assert.Single(Findings(report, "heldBack"));
        Assert.Equal((RoleArn("data-science"), "10.0.4.11", Cardholder), held.Key);
        Assert.Contains($"would also trust {RoleArn("data-science")} from 10.0.4.10 in {Cardholder}", held.Value[0], StringComparison.Ordinal);

        var compactor = report.GetProperty("suggestions").EnumerateArray().Single(s => s.GetProperty("source").GetString() == "10.0.2.0/25");
        Assert.Equal(["10.0.2.21", "10.0.2.22", "10.0.2.87"], compactor.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(14, compactor.GetProperty("days").GetInt32());
        Assert.Equal(JsonValueKind.Null, compactor.GetProperty("bucket").ValueKind);
    }

    [Fact]
    public async Task The_output_imports_into_dynalite_and_a_rescan_alerts_on_exactly_what_was_not_suggested()
    {
        var dynalite = _history.Dynalite;
        var table = await dynalite.CreateConfigTableAsync("suggest");
        string[] aws = ["--table", table, "--endpoint-url", dynalite.Endpoint, "--region", "us-east-1"];
        Assert.Equal(ExitCodes.Ok, CliRun.Of(["allowlist", "import", _history.Config, .. aws]).ExitCode);
        var before = Alerts(CliRun.Of(["scan", _history.Logs, "--format", "jsonl", "--no-progress", .. aws]));

        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "suggested.json");
        var report = Json(Suggest([.. aws, _history.Logs, "--format", "json", "--output", output]));
        Assert.Equal(ExpectedEntries.Order(), Entries(report).Order());
        using (var written = JsonDocument.Parse(File.ReadAllText(output)))
        {
            var values = written.RootElement.GetProperty("principals").EnumerateArray().Concat(written.RootElement.GetProperty("sources").EnumerateArray()).ToList();
            Assert.Equal(ExpectedEntries.Length, values.Count);
            Assert.All(values, v => Assert.StartsWith("s3audit allowlist suggest (history 2026-03-02..2026-03-15): routine with ", v.GetProperty("note").GetString(), StringComparison.Ordinal));
        }
        // Suggesting writes nothing: the table still holds the config's one entry and two rules.
        Assert.Contains("1 entries, 2 rules", CliRun.Of(["allowlist", "list", .. aws]).Out, StringComparison.Ordinal);

        var imported = CliRun.Of(["allowlist", "import", output, .. aws]);
        Assert.True(imported.ExitCode == ExitCodes.Ok, imported.Error);
        var after = Alerts(CliRun.Of(["scan", _history.Logs, "--format", "jsonl", "--no-progress", .. aws]));

        var suggested = report.GetProperty("suggestions").EnumerateArray()
            .Select(s => (Principal: s.GetProperty("principal").GetString()!, Source: s.GetProperty("source").GetString()!, Bucket: s.GetProperty("bucket").GetString())).ToList();
        bool IsSuggested(Behaviour b) => suggested.Any(s => s.Principal == b.Principal && Covers(s.Source, b.Source) && (s.Bucket is null || s.Bucket == b.Bucket));
        Assert.Contains(before, IsSuggested);
        Assert.DoesNotContain(after, IsSuggested);
        var notSuggested = new[] { "worthALook", "notYetRoutine", "heldBack" }.SelectMany(list => Findings(report, list).Keys).ToList();
        Assert.Equal(6, notSuggested.Count);
        foreach (var (principal, source, bucket) in notSuggested)
            Assert.Contains(after, a => a.Principal == principal && a.Source == source && a.Bucket == bucket);
        // Nothing else changed: every alert left is one of the behaviours not suggested.
        Assert.All(after, a => Assert.Contains((a.Principal, a.Source, (string?)a.Bucket), notSuggested));
        // The README's figures for this history (bench/first-allowlist.sh writes the same bytes).
        Assert.Equal((1947, 393), (before.Count, after.Count));
        Assert.Equal((2203L, 1554L), (report.GetProperty("untrustedSensitiveReads").GetInt64(), report.GetProperty("trustedReads").GetInt64()));
    }

    [Fact]
    public void The_current_allowlist_can_come_from_the_table_or_the_file_alike()
    {
        var fromFile = Json(Suggest("--config", _history.Config, _history.Logs, "--format", "json"));
        var run = Suggest("--config", _history.Config, _history.Logs);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Suggested: 6 behaviours, 11 new entries", run.Out, StringComparison.Ordinal);
        Assert.Contains("Worth a look: 4", run.Out, StringComparison.Ordinal);
        Assert.Equal(fromFile.GetProperty("untrustedSensitiveReads").GetInt64(), fromFile.GetProperty("trustedReads").GetInt64()
            + new[] { "worthALook", "notYetRoutine", "heldBack" }.Sum(l => fromFile.GetProperty(l).EnumerateArray().Sum(f => f.GetProperty("events").GetInt64())));
    }

    [Fact]
    public void Min_days_decides_what_is_routine()
    {
        var three = Json(Suggest("--config", _history.Config, _history.Logs, "--format", "json", "--min-days", "3"));
        Assert.Contains(("principal", RoleArn("contractor-sync"), Cardholder), Entries(three));
        Assert.Empty(three.GetProperty("notYetRoutine").EnumerateArray());

        var fifteen = Json(Suggest("--config", _history.Config, _history.Logs, "--format", "json", "--min-days", "15"));
        Assert.Empty(Entries(fifteen));
        // The partner's public address, seen on all 14 days, is now seen on fewer than --min-days: first-seen.
        var worth = Findings(fifteen, "worthALook");
        Assert.Equal(5, worth.Count);
        Assert.Contains(worth[(UserArn("partner-export"), "198.51.100.20", Hr)], r => r.StartsWith("first-seen public address 198.51.100.20: seen on 14 day(s)", StringComparison.Ordinal));
        Assert.Equal(fifteen.GetProperty("groups").GetInt32() - 5, fifteen.GetProperty("notYetRoutine").GetArrayLength());

        var zero = Suggest("--config", _history.Config, _history.Logs, "--min-days", "0");
        Assert.Equal(ExitCodes.UsageError, zero.ExitCode);
        Assert.Contains("--min-days must be at least 1", zero.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_record_is_reported_with_its_file_and_line_and_the_rest_is_read()
    {
        using var dir = new TempDir();
        var broken = dir.Write("broken.jsonl", "{\"eventVersion\": \"1.10\", \"eventTime\": \n");
        var report = Json(Suggest("--config", _history.Config, _history.Logs, broken, "--format", "json"));
        Assert.Equal(ExpectedEntries.Order(), Entries(report).Order());

        var run = Suggest("--config", _history.Config, _history.Logs, broken, "--format", "json");
        Assert.Contains("broken.jsonl:1:", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("allowlist", "suggest", "logs")]
    [InlineData("allowlist", "suggest", "--config", "c.json", "--table", "t", "logs")]
    [InlineData("allowlist", "suggest", "--config", "c.json", "--format", "yaml", "logs")]
    public void Usage_errors_exit_2(params string[] args)
    {
        var run = CliRun.Of(args);
        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.NotEqual("", run.Error);
    }

    private sealed record Behaviour(string Principal, string Source, string Bucket);

    /// <summary>Each alert as the behaviour it belongs to: the report's principal and source forms.</summary>
    private static List<Behaviour> Alerts(CliRun scan)
    {
        Assert.True(scan.ExitCode == ExitCodes.Ok, scan.Error);
        return [.. scan.OutLines.Select(line => JsonDocument.Parse(line).RootElement).Where(e => e.GetProperty("kind").GetString() == "alert").Select(e =>
        {
            var p = e.GetProperty("principal");
            var s = e.GetProperty("source");
            var principal = p.GetProperty("type").GetString() switch
            {
                "AssumedRole" => p.GetProperty("issuerArn").GetString()!,
                "IAMUser" => p.GetProperty("arn").GetString()!,
                "AWSService" => p.GetProperty("name").GetString()!,
                "Root" => "root/" + p.GetProperty("account").GetString(),
                var other => throw new InvalidOperationException("unexpected principal type " + other),
            };
            var source = s.TryGetProperty("vpcEndpointId", out var vpce) ? vpce.GetString()!
                : s.TryGetProperty("ip", out var ip) ? ip.GetString()! : s.GetProperty("name").GetString()!;
            return new Behaviour(principal, source, e.GetProperty("bucket").GetString()!);
        })];
    }

    private static bool Covers(string entry, string source) =>
        entry == source || (entry.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(source, out var ip) && IPNetwork.Parse(entry).Contains(ip));
}
