using System.Text.RegularExpressions;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>The text report a person triages: the grouped summary, the harvests, the capped details, and their options.</summary>
public class ScanReportTests
{
    private static readonly string[] Sections = ["Alerts by ", "Harvests (", "Alert details (", "Verdicts", "Per input"];

    /// <summary>The summary's title, header and rows, each row split into its cells.</summary>
    private static (string Title, string[] Header, List<string[]> Rows) Summary(CliRun run)
    {
        var lines = run.OutLines.SkipWhile(l => !l.StartsWith("Alerts by ", StringComparison.Ordinal)).ToList();
        var table = lines.Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(Cells).ToList();
        return (lines[0], table[0], table.Skip(1).ToList());
    }

    private static string[] Cells(string line) => Regex.Split(line.Trim(), @"\s{2,}");

    /// <summary>The alerts printed one by one: the lines starting with a severity in brackets after "Alert details".</summary>
    private static List<string> Details(CliRun run) =>
        run.OutLines.SkipWhile(l => !l.StartsWith("Alert details", StringComparison.Ordinal)).TakeWhile(l => l != "Verdicts")
            .Where(l => Regex.IsMatch(l, @"^\[[A-Z]+\] ")).ToList();

    [Fact]
    public void The_readme_command_groups_the_samples_three_alerts_under_the_one_role_and_address()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, Samples.Logs);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var (title, header, rows) = Summary(run);
        Assert.Equal("Alerts by principal and source: 1 group, 3 alerts, 3 repeats; most severe first, then most alerts", title);
        Assert.Equal(["alerts", "repeats", "severities", "first – last alert", "principal", "source", "buckets"], header);
        Assert.Equal(["3", "3", "3 high", "2021-03-10 14:03:42Z – 14:03:44Z", "role/cg-banking-WAF-Role-cgidlulwjvrwio", "54.177.149.226",
            "cg-cardholder-data-bucket-cgidlulwjvrwio"], Assert.Single(rows));
        Assert.Equal(3, Details(run).Count);
        Assert.Contains("Alert details (3 alerts, most severe first, then in time order)", run.OutLines);
        Assert.DoesNotContain("not shown", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_shows_exactly_what_its_first_command_prints()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("\n### The report\n", StringComparison.Ordinal)..];
        var start = section.IndexOf("```\n", StringComparison.Ordinal) + 4;
        var shown = section[start..section.IndexOf("\n```\n", start, StringComparison.Ordinal)];

        var run = CliRun.Of("scan", "--config", Samples.Config, Samples.Logs);

        Assert.Equal(shown + "\n", run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_harvest_sample_is_one_group_whose_repeats_are_the_bursts_counted_reads_then_its_harvest()
    {
        var dir = Path.Combine(Samples.Dir, "harvest");
        var run = CliRun.Of("scan", "--config", Path.Combine(dir, "config.json"), Path.Combine(dir, "logs"));

        var (_, _, rows) = Summary(run);
        Assert.Equal(["10", "1,158", "10 critical", "2025-06-14 02:31:05Z – 02:31:07Z", "user/svc-reporting", "198.51.100.23", "acme-customer-exports"],
            Assert.Single(rows));
        Assert.Equal(Sections, run.OutLines.Where(l => Sections.Any(s => l.StartsWith(s, StringComparison.Ordinal))).Select(l => Sections.First(s => l.StartsWith(s, StringComparison.Ordinal))));
    }

    [Fact]
    public void The_sections_come_in_triage_order_and_details_default_to_the_50_most_severe()
    {
        var run = ReportCorpus.Scan();

        Assert.StartsWith("86 alerts in 159 events from 1 input:\n\nAlerts by principal and source: 5 groups, 86 alerts, 73 repeats;", run.Out, StringComparison.Ordinal);
        Assert.Equal(Sections, run.OutLines.Where(l => Sections.Any(s => l.StartsWith(s, StringComparison.Ordinal))).Select(l => Sections.First(s => l.StartsWith(s, StringComparison.Ordinal))));
        Assert.Contains("Alert details (50 of 86, most severe first, then in time order)", run.OutLines);
        var details = Details(run);
        Assert.Equal(50, details.Count);
        Assert.All(details, d => Assert.StartsWith("[CRITICAL] ", d, StringComparison.Ordinal));
        Assert.Contains("  … 36 more alerts not shown: --details all (or a larger --details N) prints them; --format jsonl or csv lists every alert.", run.OutLines);
    }

    [Theory]
    [InlineData("7", 7, "Alert details (7 of 86, most severe first, then in time order)", "  … 79 more alerts not shown")]
    [InlineData("0", 0, "Alert details (0 of 86, most severe first, then in time order)", "  … 86 more alerts not shown")]
    [InlineData("all", 86, "Alert details (86 alerts, most severe first, then in time order)", null)]
    [InlineData("ALL", 86, "Alert details (86 alerts, most severe first, then in time order)", null)]
    [InlineData("86", 86, "Alert details (86 alerts, most severe first, then in time order)", null)]
    [InlineData("1000", 86, "Alert details (86 alerts, most severe first, then in time order)", null)]
    public void Details_caps_the_alerts_printed_and_says_how_many_were_left_out(string details, int printed, string heading, string? leftOut)
    {
        var run = ReportCorpus.Scan("--details", details);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(printed, Details(run).Count);
        Assert.Contains(heading, run.OutLines);
        if (leftOut is null)
            Assert.DoesNotContain("not shown", run.Out, StringComparison.Ordinal);
        else
            Assert.Contains(run.OutLines, l => l.StartsWith(leftOut + ": --details all", StringComparison.Ordinal));
        // The summary always covers every alert, whatever the cap.
        Assert.Equal(86, Summary(run).Rows.Sum(r => int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("1.5")]
    [InlineData("")]
    public void Details_that_is_neither_a_count_nor_all_is_a_usage_error(string details)
    {
        var run = ReportCorpus.Scan("--details", details);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains($"--details \"{details}\": give how many alerts to print (0 or more) or all", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("principal+source", "principal and source", "principal|source|buckets",
        "65 role/intruder 203.0.113.9 finance-data, hr-exports|1 role/analyst 2001:db8::5 finance-data|6 role/analyst 198.51.100.7 hr-exports, finance-data|"
        + "7 role/etl 203.0.113.9 logs-archive|7 role/etl 198.51.100.7 logs-archive")]
    [InlineData("principal", "principal", "principal|sources|buckets",
        "65 role/intruder 203.0.113.9 finance-data, hr-exports|7 role/analyst 198.51.100.7, 2001:db8::5 hr-exports, finance-data|"
        + "14 role/etl 198.51.100.7, 203.0.113.9 logs-archive")]
    [InlineData("source", "source", "source|principals|buckets",
        "72 203.0.113.9 role/intruder, role/etl finance-data, logs-archive +1 more|1 2001:db8::5 role/analyst finance-data|"
        + "13 198.51.100.7 role/etl, role/analyst logs-archive, hr-exports +1 more")]
    [InlineData("bucket", "bucket", "bucket|principals|sources",
        "63 finance-data role/intruder, role/analyst 203.0.113.9, 198.51.100.7 +1 more|9 hr-exports role/intruder, role/analyst 203.0.113.9, 198.51.100.7|"
        + "14 logs-archive role/etl 198.51.100.7, 203.0.113.9")]
    public void Group_by_changes_what_the_summary_groups_and_lists(string groupBy, string dimension, string columns, string rows)
    {
        var run = ReportCorpus.Scan("--group-by", groupBy, "--details", "0");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var summary = Summary(run);
        Assert.StartsWith($"Alerts by {dimension}: ", summary.Title, StringComparison.Ordinal);
        Assert.Equal(["alerts", "repeats", "severities", "first – last alert", .. columns.Split('|')], summary.Header);
        Assert.Equal(rows.Split('|'), summary.Rows.Select(r => string.Join(' ', r.Take(1).Concat(r.Skip(4)))));
        Assert.Equal(73, summary.Rows.Sum(r => int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("--details shapes the text report; it does not apply to --format jsonl", "--format", "jsonl", "--details", "all")]
    [InlineData("--group-by shapes the text report; it does not apply to --format csv", "--format", "csv", "--group-by", "bucket")]
    [InlineData("--details shapes the text report; it does not apply to --verdicts", "--verdicts", "--details", "5")]
    public void Report_options_with_machine_output_are_refused_rather_than_ignored(string message, params string[] args)
    {
        var run = ReportCorpus.Scan(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void Two_principals_with_one_label_in_different_accounts_stay_apart_and_are_named_in_full()
    {
        var lines = new[] { ("111111111111", "e1", "cardholder-1.csv"), ("222222222222", "e2", "cardholder-2.csv"), ("222222222222", "e3", "cardholder-3.csv") }
            .Select(x =>
            {
                var record = CloudTrailRecords.Record(x.Item2, x.Item3, role: "admin");
                record["userIdentity"]!["sessionContext"]!["sessionIssuer"]!["arn"] = $"arn:aws:iam::{x.Item1}:role/admin";
                return record.ToJsonString();
            });

        var run = CliRun.WithStdin(CliRun.Utf8(string.Join('\n', lines) + "\n"), "scan", "--config", Samples.Config, "--group-by", "principal", "-");

        Assert.Equal(["role/admin (arn:aws:iam::222222222222:role/admin)", "role/admin (arn:aws:iam::111111111111:role/admin)"],
            Summary(run).Rows.Select(r => r[4]));
    }

    [Fact]
    public void Without_alerts_there_is_no_summary_and_no_details()
    {
        using var dir = new TempDir();
        var quiet = dir.Write("config.json", """{"authorized_sources": [], "authorized_entities": [], "sensitive_filename_keywords": ["nothing-matches-this"]}""");

        var run = CliRun.Of("scan", "--config", quiet, Samples.Logs);

        Assert.StartsWith("No alerts in 18 events from 2 inputs.\n\nVerdicts\n", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Alerts by", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Alert details", run.Out, StringComparison.Ordinal);
    }
}
