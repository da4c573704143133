using System.Text;
using System.Text.Json;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>`--format csv`: RFC 4180, the jsonl alert fields flattened, and no formula a spreadsheet would run.</summary>
public class CsvAlertsTests
{
    /// <summary>An RFC 4180 reader, strict: every record ends with CRLF, and a line break inside a field only within quotes.</summary>
    private static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"')
                    field.Append(text[++i]);
                else
                    quoted = false;
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                records.Add([.. record]);
                (record, field) = ([], new StringBuilder());
                i++;
            }
            else
            {
                Assert.False(c is '\r' or '\n' or '"', $"unquoted {(int)c} at {i}");
                field.Append(c);
            }
        }
        Assert.True(record.Count == 0 && field.Length == 0 && !quoted, "the last record must end with CRLF");
        return records;
    }

    /// <summary>What a cell must hold for a jsonl value: formula-like text defused (the rule as the README states it).</summary>
    private static string Defused(string value) => value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;

    private static Dictionary<string, string> Flattened(JsonElement element, string prefix = "") =>
        element.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Object
                ? Flattened(p.Value, prefix + p.Name + ".")
                : new Dictionary<string, string>
                {
                    [prefix + p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Array => string.Join("; ", p.Value.EnumerateArray().Select(v => v.GetString())),
                        _ => p.Value.GetRawText(),
                    },
                })
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>CSV and jsonl of the same scan: one row per alert object, each cell the flattened field.</summary>
    private static void AssertRowsAreTheJsonlAlerts(string[] scanArgs, byte[]? stdin = null)
    {
        var csv = CliRun.WithStdin(stdin ?? [], ["scan", .. scanArgs, "--format", "csv"]);
        var jsonl = CliRun.WithStdin(stdin ?? [], ["scan", .. scanArgs, "--format", "jsonl"]);

        Assert.Equal(ExitCodes.Ok, csv.ExitCode);
        var records = Parse(csv.Out);
        Assert.Equal(CsvAlerts.Columns, records[0]);
        var alerts = jsonl.OutLines.Select(l => JsonDocument.Parse(l).RootElement).Where(o => o.GetProperty("kind").GetString() == "alert").ToList();
        Assert.Equal(alerts.Count, records.Count - 1);
        foreach (var (alert, row) in alerts.Zip(records.Skip(1)))
        {
            var fields = Flattened(alert);
            Assert.Empty(fields.Keys.Except(CsvAlerts.Columns));
            Assert.Equal(CsvAlerts.Columns.Select(c => fields.TryGetValue(c, out var v) ? Defused(v) : ""), row);
        }
    }

    [Fact]
    public void The_samples_give_a_header_and_one_row_per_alert_holding_the_jsonl_fields()
    {
        AssertRowsAreTheJsonlAlerts(["--config", Samples.Config, Samples.Logs]);

        var records = Parse(CliRun.Of("scan", "--config", Samples.Config, "--format", "csv", Samples.Logs).Out);
        Assert.Equal(4, records.Count);
        var row = records[1].Select((v, i) => (CsvAlerts.Columns[i], v)).ToDictionary();
        Assert.Equal(("cardholder_data_primary.csv", "AssumedRole", "54.177.149.226", "1", "2208"),
            (row["key"], row["principal.type"], row["source.ip"], row["duplicates"], row["bytesTransferredOut"]));
    }

    [Fact]
    public void Every_fixture_shape_flattens_into_the_columns_copies_failures_and_endpoints_included()
    {
        using var dir = new TempDir();
        var everything = dir.Write("config.json", """{"version": 1, "principals": [], "rules": [{"type": "glob", "value": "**", "level": "critical"}]}""");

        AssertRowsAreTheJsonlAlerts(["--config", everything, Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail")]);

        var header = Parse(CliRun.Of("scan", "--config", everything, "--format", "csv", Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail")).Out);
        foreach (var column in new[] { "copyDestination.key", "errorMessage", "source.vpcEndpointId", "source.name", "principal.sessionName" })
            Assert.Contains(header.Skip(1), r => r[CsvAlerts.Columns.ToList().IndexOf(column)] != "");
    }

    [Fact]
    public void Attacker_chosen_names_keys_and_user_agents_are_defused_and_quoted()
    {
        // IAM role names may contain + = , . @ _ -, object keys and user agents anything.
        var hostile = CloudTrailRecords.Record("e1", "=HYPERLINK(\"http://evil.example/\",\"open\"),cardholder.csv", role: "=1+2");
        hostile["userAgent"] = "@SUM(1,2)";
        var tabbed = CloudTrailRecords.Record("e2", "\tcardholder\r\n2.csv", role: "+admin", time: "2021-03-10T14:03:43Z");
        tabbed["userAgent"] = "-2+3";
        var plain = CloudTrailRecords.Record("e3", "it's \"cardholder\" data.csv", role: "ops-1", time: "2021-03-10T14:03:44Z");
        var stdin = CliRun.Utf8(string.Join('\n', hostile.ToJsonString(), tabbed.ToJsonString(), plain.ToJsonString()) + "\n");

        var run = CliRun.WithStdin(stdin, "scan", "--config", Samples.Config, "--format", "csv", "-");

        var lines = run.Out.Split("\r\n");
        string Cell(int row, string column) => Parse(run.Out)[row][CsvAlerts.Columns.ToList().IndexOf(column)];
        Assert.Equal("'=HYPERLINK(\"http://evil.example/\",\"open\"),cardholder.csv", Cell(1, "key"));
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"open\"\"),cardholder.csv\",", lines[1], StringComparison.Ordinal);
        Assert.Equal(("'=1+2", "'@SUM(1,2)"), (Cell(1, "principal.name"), Cell(1, "source.userAgent")));
        Assert.Equal(("'\tcardholder\r\n2.csv", "'+admin", "'-2+3"), (Cell(2, "key"), Cell(2, "principal.name"), Cell(2, "source.userAgent")));
        Assert.Equal(("it's \"cardholder\" data.csv", "ops-1"), (Cell(3, "key"), Cell(3, "principal.name")));
        // No cell of any row starts with a formula character once read back: defusing it again would change it.
        Assert.All(Parse(run.Out).Skip(1).SelectMany(r => r), cell => Assert.Equal(cell, Defused(cell)));
        AssertRowsAreTheJsonlAlerts(["--config", Samples.Config, "-"], stdin);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@A1", "'@A1")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("=A1,B1", "\"'=A1,B1\"")]
    [InlineData("a=1", "a=1")]
    [InlineData("'quoted", "'quoted")]
    public void A_field_is_defused_then_quoted_only_when_it_must_be(string value, string field) =>
        Assert.Equal(field, CsvAlerts.Field(value));

    [Fact]
    public void Csv_streams_with_fail_on_alert_like_the_other_formats()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, "--format", "csv", "--fail-on-alert", Samples.Logs);

        Assert.Equal(ExitCodes.AlertRaised, run.ExitCode);
        Assert.EndsWith("\r\n", run.Out, StringComparison.Ordinal);
    }
}
