using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>`scan` reports a bucket harvest in full: the burst's alerts, one harvest notification per threshold, and a Harvests section.</summary>
public class ScanHarvestTests
{
    /// <summary>1,200 cardholder files read by one role from one IP, two per second, 2,048 bytes each.</summary>
    private static string HarvestLines()
    {
        var start = new DateTimeOffset(2021, 3, 10, 14, 0, 0, TimeSpan.Zero);
        var lines = Enumerable.Range(0, 1200).Select(i =>
        {
            var record = CloudTrailRecords.Record($"harvest-{i:D4}", $"cardholder/{i:D4}.csv", role: "cg-banking-WAF-Role",
                time: (start + TimeSpan.FromSeconds(i / 2)).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            record["additionalEventData"] = new JsonObject { ["bytesTransferredOut"] = 2048 };
            return record.ToJsonString();
        });
        return string.Join('\n', lines) + "\n";
    }

    [Fact]
    public void Jsonl_gives_the_bursts_10_alerts_and_a_harvest_object_at_100_and_1000_each_with_its_kind()
    {
        var run = CliRun.WithStdin(CliRun.Utf8(HarvestLines()), "scan", "--config", Samples.Config, "--format", "jsonl", "-");

        var objects = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(10, objects.Count(o => o.GetProperty("kind").GetString() == "alert"));
        var harvests = objects.Where(o => o.GetProperty("kind").GetString() == "harvest").ToList();
        Assert.Equal([100L, 1000L], harvests.Select(h => h.GetProperty("threshold").GetInt64()));
        Assert.Equal([100L, 1000L], harvests.Select(h => h.GetProperty("objects").GetInt64()));
        Assert.Equal([204_800L, 2_048_000L], harvests.Select(h => h.GetProperty("bytes").GetInt64()));
        var last = harvests[1];
        Assert.Equal("critical", last.GetProperty("severity").GetString());
        Assert.Equal("role/cg-banking-WAF-Role", last.GetProperty("principal").GetString());
        Assert.Equal("54.177.149.226", last.GetProperty("source").GetString());
        Assert.Equal(CloudTrailRecords.Bucket, last.GetProperty("bucket").GetString());
        Assert.Equal("harvest-0000", last.GetProperty("harvestId").GetString());
        Assert.Equal("2021-03-10T14:00:00Z", last.GetProperty("firstTime").GetString());
        Assert.Equal("2021-03-10T14:08:19Z", last.GetProperty("lastTime").GetString());
        Assert.Equal("high", last.GetProperty("highestSensitivity").GetString()); // the seed config's keywords are high; the harvest itself is critical
        Assert.Equal(10, last.GetProperty("sampleKeys").GetArrayLength());
        // Time order: the 10 alerts (first 5 seconds) come before the harvest at 100 (second 49).
        Assert.Equal(Enumerable.Repeat("alert", 10).Concat(["harvest", "harvest"]), objects.Select(o => o.GetProperty("kind").GetString()));
    }

    [Fact]
    public void The_text_report_has_a_Harvests_section_with_one_line_per_burst()
    {
        var run = CliRun.WithStdin(CliRun.Utf8(HarvestLines()), "scan", "--config", Samples.Config, "-");

        var section = run.OutLines.SkipWhile(l => !l.StartsWith("Harvests", StringComparison.Ordinal)).ToList();
        Assert.Equal("Harvests (1 burst reached a harvest threshold)", section[0]);
        // The burst's account (the records' recipientAccountId) follows its bucket.
        Assert.Equal("  [CRITICAL] role/cg-banking-WAF-Role from 54.177.149.226 on " + CloudTrailRecords.Bucket
            + " in 123456789012: 1,200 objects, 2,457,600 bytes out, 2021-03-10 14:00:00Z – 14:09:59Z, thresholds crossed 100, 1,000; harvest harvest-0000", section[1]);
    }

    [Fact]
    public void A_config_can_lower_the_thresholds_or_turn_harvests_off()
    {
        using var dir = new TempDir();
        var low = dir.Write("low.json", """{"principals": [], "rules": [{"type": "keyword", "value": "cardholder"}], "harvestThresholds": [20]}""");
        var off = dir.Write("off.json", """{"principals": [], "rules": [{"type": "keyword", "value": "cardholder"}], "harvestThresholds": []}""");

        var lowRun = CliRun.WithStdin(CliRun.Utf8(HarvestLines()), "scan", "--config", low, "--format", "jsonl", "-");
        var offRun = CliRun.WithStdin(CliRun.Utf8(HarvestLines()), "scan", "--config", off, "--format", "jsonl", "-");

        Assert.Equal([20L], lowRun.OutLines.Select(l => JsonDocument.Parse(l).RootElement).Where(o => o.GetProperty("kind").GetString() == "harvest").Select(o => o.GetProperty("threshold").GetInt64()));
        Assert.DoesNotContain(offRun.OutLines, l => l.Contains("\"kind\":\"harvest\"", StringComparison.Ordinal));
    }
}

/// <summary>The bundled harvest sample gives what samples/README.md and the README's walk-through promise.</summary>
public class HarvestSampleTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "samples", "harvest");

    [Fact]
    public void The_harvest_sample_gives_10_alerts_and_one_harvest_of_1168_objects_crossing_100_and_1000()
    {
        var run = CliRun.Of("scan", "--config", Path.Combine(Dir, "config.json"), "--format", "jsonl", Path.Combine(Dir, "logs"));

        var objects = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(10, objects.Count(o => o.GetProperty("kind").GetString() == "alert"));
        var harvests = objects.Where(o => o.GetProperty("kind").GetString() == "harvest").ToList();
        Assert.Equal([100L, 1000L], harvests.Select(h => h.GetProperty("threshold").GetInt64()));
        Assert.All(harvests, h => Assert.Equal("user/svc-reporting", h.GetProperty("principal").GetString()));

        var text = CliRun.Of("scan", "--config", Path.Combine(Dir, "config.json"), Path.Combine(Dir, "logs"));
        Assert.Contains("  [CRITICAL] user/svc-reporting from 198.51.100.23 on acme-customer-exports in 111122223333: 1,168 objects, 252,944,399 bytes out, "
            + "2025-06-14 02:31:05Z – 02:37:06Z, thresholds crossed 100, 1,000;", text.Out, StringComparison.Ordinal);
        Assert.Contains("  allowlisted             40", text.Out, StringComparison.Ordinal);
    }
}

/// <summary>`scan --memory`: a budget small enough to send the harvest's candidates to temporary files changes no output.</summary>
public class ScanMemoryTests
{
    private static readonly string HarvestDir = Path.Combine(Samples.Dir, "harvest");

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv")]
    [InlineData("text")]
    public void The_bucket_harvest_sample_gives_the_same_output_with_1_MiB_as_with_the_default(string format)
    {
        string[] scan = ["scan", "--config", Path.Combine(HarvestDir, "config.json"), "--format", format, Path.Combine(HarvestDir, "logs")];

        var spilled = CliRun.Of([.. scan, "--memory", "1", "--stats"]);
        var inMemory = CliRun.Of([.. scan, "--stats"]);

        Assert.Equal((0, 0), (spilled.ExitCode, inMemory.ExitCode));
        Assert.Matches("spilled [1-9][0-9]+ candidates", spilled.Error);
        Assert.Contains("spilled 0 candidates", inMemory.Error, StringComparison.Ordinal);
        Assert.Contains("svc-reporting", inMemory.Out, StringComparison.Ordinal);
        Assert.Equal(inMemory.Out, spilled.Out);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_memory_budget_under_1_MiB_is_a_usage_error(string mib)
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, "--memory", mib, Samples.Logs);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--memory must be at least 1", run.Error, StringComparison.Ordinal);
    }
}
