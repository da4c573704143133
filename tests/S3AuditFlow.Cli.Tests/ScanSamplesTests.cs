using System.Text.Json;

namespace S3AuditFlow.Cli.Tests;

/// <summary>The README's first command: the seed's scenario must give exactly the non-allowlisted instance's sensitive reads.</summary>
public class ScanSamplesTests
{
    private static readonly string[] CardholderFiles = ["cardholder_data_primary.csv", "cardholder_data_secondary.csv", "cardholders_corporate.csv"];

    [Fact]
    public void Jsonl_alerts_are_exactly_the_harvesting_roles_reads_of_cardholder_files()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, "--format", "jsonl", Samples.Logs);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var alerts = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(CardholderFiles, alerts.Select(a => a.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.All(alerts, a =>
        {
            Assert.Equal("cg-banking-WAF-Role-cgidlulwjvrwio", a.GetProperty("principal").GetProperty("name").GetString());
            Assert.Equal("AssumedRole", a.GetProperty("principal").GetProperty("type").GetString());
            Assert.Equal("54.177.149.226", a.GetProperty("source").GetProperty("ip").GetString());
            Assert.Equal("high", a.GetProperty("severity").GetString());
            Assert.Equal("keyword", a.GetProperty("matchedRule").GetProperty("type").GetString());
            Assert.Equal("cardholder", a.GetProperty("matchedRule").GetProperty("value").GetString());
            // The harvest ran twice within 15 minutes: the second run is counted on the first, not alerted again.
            Assert.Equal(1, a.GetProperty("duplicates").GetInt32());
        });
    }

    [Fact]
    public void Text_report_lists_the_alerts_and_the_counts_per_verdict()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, Samples.Logs);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.StartsWith("3 alerts in 18 events from 2 inputs:", run.Out, StringComparison.Ordinal);
        Assert.Contains("principal role/cg-banking-WAF-Role-cgidlulwjvrwio not allowlisted", run.Out, StringComparison.Ordinal);
        Assert.Contains("source 54.177.149.226 not allowlisted", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("54.153.44.90", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"alert\s+3\n", run.Out.Replace("\r", "", StringComparison.Ordinal));
        Assert.Matches(@"duplicate\s+3\n", run.Out.Replace("\r", "", StringComparison.Ordinal));
        Assert.Matches(@"allowlisted\s+4\n", run.Out.Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal("", run.Error);
    }

    [Fact]
    public void Verdicts_give_one_line_per_event_in_input_order()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, "--verdicts", Samples.Logs);

        var verdicts = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(18, verdicts.Count);
        var files = verdicts.Select(v => v.GetProperty("file").GetString()!).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), files);
        var first = verdicts.Where(v => v.GetProperty("file").GetString()!.EndsWith(".gz", StringComparison.Ordinal)).ToList();
        // The allowlisted instance harvested first: ListBuckets (a management event), ListObjects, then four GetObjects.
        Assert.Equal(["ignored", "not-monitored", "allowlisted", "allowlisted", "allowlisted", "allowlisted"],
            first.Take(6).Select(v => v.GetProperty("verdict").GetString()));
        Assert.Equal(["ignored", "not-monitored", "alert", "alert", "alert", "not-sensitive"],
            first.Skip(6).Select(v => v.GetProperty("verdict").GetString()));
        Assert.All(verdicts, v => Assert.False(string.IsNullOrEmpty(v.GetProperty("reason").GetString())));
    }

    [Fact]
    public void Fail_on_alert_exits_with_1_only_when_an_alert_was_raised()
    {
        Assert.Equal(ExitCodes.AlertRaised, CliRun.Of("scan", "--config", Samples.Config, "--fail-on-alert", Samples.Logs).ExitCode);

        using var dir = new TempDir();
        var quiet = dir.Write("config.json", """{"authorized_sources": [], "authorized_entities": [], "sensitive_filename_keywords": ["nothing-matches-this"]}""");
        Assert.Equal(ExitCodes.Ok, CliRun.Of("scan", "--config", quiet, "--fail-on-alert", Samples.Logs).ExitCode);
    }
}
