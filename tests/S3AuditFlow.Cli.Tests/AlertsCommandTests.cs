using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// `s3audit alerts` against a real dynalite whose dedup table was filled by the real dedup store, as the workflow fills
/// it: list a window, show one alert, and trust it with exactly the narrow entries shown.
/// </summary>
public sealed class AlertsCommandTests : IClassFixture<AlertsCommandTests.Server>
{
    public sealed class Server : IDisposable
    {
        public DynaliteServer Dynalite { get; } = DynaliteServer.Start();

        public void Dispose() => Dynalite.Dispose();
    }

    private const string Account = "111122223333";
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly DynaliteServer _dynalite;
    private readonly string _dedup;
    private readonly string _config;

    public AlertsCommandTests(Server server)
    {
        _dynalite = server.Dynalite;
        _dedup = _dynalite.CreateDedupTableAsync().GetAwaiter().GetResult();
        _config = _dynalite.CreateConfigTableAsync().GetAwaiter().GetResult();
    }

    private CliRun Alerts(params string[] args) => CliRun.Of(["alerts", .. args, "--table", _dedup, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1"]);

    private static Principal Role(string name) =>
        new(IdentityTypes.AssumedRole, name, $"arn:aws:sts::{Account}:assumed-role/{name}/session-1", $"arn:aws:iam::{Account}:role/{name}", Account, null, "session-1");

    private static S3Access Read(string eventId, DateTimeOffset time, string key, Principal? principal = null, string ip = "10.1.2.3", string bucket = "payments") =>
        new(eventId, time, "GetObject", bucket, key, null, principal ?? Role("etl"), SourceAddress.From(ip, null, "aws-cli/2"), null, null, "us-east-1", Account, 100);

    private async Task RaiseAsync(params (S3Access Access, SensitivityLevel Level)[] reads)
    {
        using var client = _dynalite.Client();
        var store = new DynamoDedupStore(client, _dedup, TimeSpan.FromMinutes(15));
        foreach (var (access, level) in reads)
        {
            var candidate = new AlertCandidate(access, new Classification(level, new SensitivityRule(RuleKind.Keyword, "cardholder", level), access.ReadObject),
                $"principal {access.Principal.Label} not allowlisted; source {access.Source.Label} not allowlisted");
            await store.RecordAsync(candidate);
        }
    }

    [Fact]
    public async Task List_shows_a_windows_alerts_and_filters_them()
    {
        await RaiseAsync(
            (Read("e-old", T0.AddDays(-3), "cardholder-old.csv"), SensitivityLevel.High),
            (Read("e-1", T0, "cardholder-1.csv"), SensitivityLevel.Critical),
            (Read("e-1b", T0.AddMinutes(2), "cardholder-1.csv"), SensitivityLevel.Critical),
            (Read("e-2", T0.AddHours(1), "cardholder-2.csv", bucket: "hr-exports"), SensitivityLevel.Low),
            (Read("e-3", T0.AddDays(1), "cardholder-3.csv", Role("reporting")), SensitivityLevel.High));

        var listed = Alerts("list", "--since", "2025-03-01", "--until", "2025-03-02T23:59:59Z");
        var json = Alerts("list", "--since", "2025-03-01", "--until", "2025-03-02T23:59:59Z", "--format", "json");
        var hr = Alerts("list", "--since", "2025-03-01", "--until", "2025-03-03", "--bucket", "hr-exports");
        var high = Alerts("list", "--since", "2025-03-01", "--until", "2025-03-03", "--severity", "high", "--principal", "REPORTING");

        Assert.Equal(ExitCodes.Ok, listed.ExitCode);
        Assert.Contains("time                  severity  account       principal       source    object                       repeats  harvest  event id", listed.Out, StringComparison.Ordinal);
        Assert.Contains("2025-03-01T12:00:00Z  critical  111122223333  role/etl        10.1.2.3  payments/cardholder-1.csv          1           e-1", listed.Out, StringComparison.Ordinal);
        Assert.Contains("3 alert(s) from 2025-03-01T00:00:00Z to 2025-03-02T23:59:59Z", listed.Out, StringComparison.Ordinal);
        var ids = json.OutLines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("eventId").GetString()).ToList();
        Assert.Equal(["e-3", "e-2", "e-1"], ids);
        var first = JsonDocument.Parse(json.OutLines[2]).RootElement;
        Assert.Equal(1, first.GetProperty("repeats").GetInt64());
        Assert.Equal(Account, first.GetProperty("account").GetString());
        Assert.Equal("e-2", JsonDocument.Parse(Assert.Single(Alerts("list", "--since", "2025-03-01", "--until", "2025-03-03", "--bucket", "hr-exports", "--format", "json").OutLines)).RootElement.GetProperty("eventId").GetString());
        Assert.Contains("1 alert(s)", hr.Out, StringComparison.Ordinal);
        Assert.Contains("role/reporting", high.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("role/etl", high.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_prints_one_alert_and_says_how_it_would_be_trusted()
    {
        await RaiseAsync((Read("e-1", T0, "cardholder-1.csv"), SensitivityLevel.Critical));

        var shown = Alerts("show", "e-1");
        var missing = Alerts("show", "no-such-event");

        Assert.Equal(ExitCodes.Ok, shown.ExitCode);
        Assert.Contains("object      payments/cardholder-1.csv", shown.Out, StringComparison.Ordinal);
        Assert.Contains($"trust with  principal arn:aws:iam::{Account}:role/etl and source 10.1.2.3", shown.Out, StringComparison.Ordinal);
        Assert.Contains("why         principal role/etl not allowlisted", shown.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.Contains("no alert raised by event no-such-event", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trust_shows_the_narrow_entries_and_writes_exactly_them_only_with_yes()
    {
        var alerted = Read("e-1", T0, "cardholder-1.csv");
        await RaiseAsync((alerted, SensitivityLevel.Critical));

        var dryRun = Alerts("trust", "e-1", "--config-table", _config);
        Assert.Equal(ExitCodes.Ok, dryRun.ExitCode);
        Assert.Contains($"would add principal arn:aws:iam::{Account}:role/etl (account {Account}, bucket payments)", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains($"would add source 10.1.2.3 (account {Account}, bucket payments)", dryRun.Out, StringComparison.Ordinal);
        Assert.Empty(await ItemsAsync());

        var written = Alerts("trust", "e-1", "--config-table", _config, "--expires", "2025-06-01T00:00:00Z", "--yes");

        Assert.Equal(ExitCodes.Ok, written.ExitCode);
        var items = await ItemsAsync();
        Assert.Equal(
            [($"account#{Account}#bucket#payments", $"principal#arn:aws:iam::{Account}:role/etl"), ($"account#{Account}#bucket#payments", "source#10.1.2.3")],
            items.Select(i => (i["scope"].S, i["entry"].S)).Order());
        Assert.All(items, i => Assert.Equal("2025-06-01T00:00:00Z", i["expires"].S));
        Assert.All(items, i => Assert.Contains("trusted alert e-1", i["note"].S, StringComparison.Ordinal));

        using var client = _dynalite.Client();
        var allowlist = (await new DynamoConfigStore(client, _config).LoadConfigAsync()).Allowlist;
        Assert.True(allowlist.Check(alerted with { EventId = "next", EventTime = T0.AddDays(1) }).Trusted, "the same behaviour the next day");
        Assert.False(allowlist.Check(alerted with { Source = SourceAddress.From("10.1.2.4", null, null) }).Trusted, "another address");
        Assert.False(allowlist.Check(alerted with { Principal = Role("reporting") }).Trusted, "another role");
        Assert.False(allowlist.Check(alerted with { Bucket = "hr-exports" }).Trusted, "another bucket");
        Assert.False(allowlist.Check(alerted with { RecipientAccountId = "444455556666" }).Trusted, "the same bucket name read in another account");
        Assert.False(allowlist.Check(alerted with { EventTime = new DateTimeOffset(2025, 6, 2, 0, 0, 0, TimeSpan.Zero) }).Trusted, "after --expires");
    }

    [Fact]
    public async Task Trust_with_account_scope_trusts_the_pair_in_every_bucket_of_that_account_only()
    {
        var alerted = Read("e-1", T0, "cardholder-1.csv");
        await RaiseAsync((alerted, SensitivityLevel.Critical));

        var written = Alerts("trust", "e-1", "--config-table", _config, "--scope", "account", "--yes");

        Assert.Equal(ExitCodes.Ok, written.ExitCode);
        Assert.All(await ItemsAsync(), i => Assert.Equal($"account#{Account}", i["scope"].S));
        using var client = _dynalite.Client();
        var allowlist = (await new DynamoConfigStore(client, _config).LoadConfigAsync()).Allowlist;
        Assert.True(allowlist.Check(alerted with { Bucket = "hr-exports" }).Trusted, "another bucket of the account");
        Assert.False(allowlist.Check(alerted with { RecipientAccountId = "444455556666" }).Trusted, "another account");
    }

    [Fact]
    public async Task Trust_names_the_existing_entries_each_new_one_pairs_with()
    {
        await RaiseAsync((Read("e-1", T0, "cardholder-1.csv"), SensitivityLevel.Critical));
        Assert.Equal(ExitCodes.Ok, CliRun.Of("allowlist", "add-principal", "backup", "--table", _config, "--endpoint-url", _dynalite.Endpoint, "--region", "us-east-1").ExitCode);

        var dryRun = Alerts("trust", "e-1", "--config-table", _config);

        Assert.Contains("note: the new source 10.1.2.3 also trusts reads by principals already listed: principal backup", dryRun.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("from sources already listed", dryRun.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_root_read_is_not_trusted_in_one_step()
    {
        var root = new Principal(IdentityTypes.Root, "root", $"arn:aws:iam::{Account}:root", null, Account, null, null);
        await RaiseAsync((Read("e-root", T0, "cardholder-1.csv", root), SensitivityLevel.Critical));

        var refused = Alerts("trust", "e-root", "--config-table", _config, "--yes");

        Assert.Equal(ExitCodes.UsageError, refused.ExitCode);
        Assert.Contains("alert e-root cannot be trusted in one step: root/111122223333: the Root user", refused.Error, StringComparison.Ordinal);
        Assert.Empty(await ItemsAsync());
    }

    [Fact]
    public void Bad_windows_and_durations_are_usage_errors()
    {
        Assert.Equal(ExitCodes.UsageError, Alerts("list", "--since", "yesterday").ExitCode);
        Assert.Equal(ExitCodes.UsageError, Alerts("list", "--since", "2025-03-02", "--until", "2025-03-01").ExitCode);
        Assert.Equal(ExitCodes.UsageError, Alerts("list", "--limit", "0").ExitCode);
        Assert.Contains("account \"1234\" is not an account ID", Alerts("list", "--account", "1234").Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, Alerts("list", "--bucket", "Not_A_Bucket").ExitCode);
        Assert.Equal(ExitCodes.Ok, Alerts("list", "--since", "3d").ExitCode);
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ItemsAsync()
    {
        using var client = _dynalite.Client();
        return (await client.ScanAsync(new ScanRequest { TableName = _config })).Items;
    }
}
