using System.Globalization;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// A generated month-start morning for the grouped report: several principals, sources, buckets and severities, with
/// repeats, written as CloudTrail records. Every expectation is derived from <see cref="Accesses"/>, not from a scan.
/// </summary>
internal static class ReportCorpus
{
    /// <summary>One distinct read (one alert) and how many times it is read again a minute apart (its repeats).</summary>
    public sealed record Access(string Role, string Ip, string Bucket, string Level, int Second, int Repeats)
    {
        public DateTimeOffset Time => Start.AddSeconds(Second);
    }

    public static readonly DateTimeOffset Start = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Rules by key prefix (critical/, high/, medium/, low/), nobody trusted, no burst limit (so every distinct read is an
    /// alert) and one harvest threshold at 50 objects.
    /// </summary>
    public const string Config = """
        {"version": 1, "burstLimit": 0, "harvestThresholds": [50], "principals": [], "sources": [],
         "rules": [{"type": "prefix", "value": "critical/", "level": "critical"}, {"type": "prefix", "value": "high/", "level": "high"},
                   {"type": "prefix", "value": "medium/", "level": "medium"}, {"type": "prefix", "value": "low/", "level": "low"}]}
        """;

    public static readonly IReadOnlyList<Access> Accesses =
    [
        // An intruder harvests finance-data (every object read twice) and dips into hr-exports.
        .. Enumerable.Range(0, 60).Select(i => new Access("intruder", "203.0.113.9", "finance-data", "critical", 3600 + (i * 5), 1)),
        .. Enumerable.Range(0, 5).Select(i => new Access("intruder", "203.0.113.9", "hr-exports", "high", 4000 + (i * 5), 0)),
        // An analyst from the office reads HR files (three of them three times) and two medium finance files ...
        .. Enumerable.Range(0, 4).Select(i => new Access("analyst", "198.51.100.7", "hr-exports", "high", 600 + (i * 60), i < 3 ? 2 : 0)),
        .. Enumerable.Range(0, 2).Select(i => new Access("analyst", "198.51.100.7", "finance-data", "medium", 900 + (i * 60), 0)),
        // ... and once a critical file over IPv6 from home.
        new Access("analyst", "2001:db8::5", "finance-data", "critical", 7200, 0),
        // An ETL job reads low-level log files from the office and, reading each twice, from the intruder's address.
        .. Enumerable.Range(0, 7).Select(i => new Access("etl", "198.51.100.7", "logs-archive", "low", 300 + (i * 30), 0)),
        .. Enumerable.Range(0, 7).Select(i => new Access("etl", "203.0.113.9", "logs-archive", "low", 5000 + (i * 30), 1)),
    ];

    /// <summary>The records as JSON Lines, shuffled (scan orders by time, so the order must not matter).</summary>
    public static string Lines()
    {
        var lines = new List<string>();
        foreach (var (access, n) in Accesses.Select((a, n) => (a, n)))
        {
            var key = $"{access.Level}/{access.Role}-{n:D3}.csv";
            for (var r = 0; r <= access.Repeats; r++)
            {
                var record = CloudTrailRecords.Record(r == 0 ? $"evt-{n:D3}" : $"evt-{n:D3}-r{r}", key, role: access.Role, ip: access.Ip,
                    time: Iso(access.Time.AddMinutes(r)), bucket: access.Bucket);
                lines.Add(record.ToJsonString());
            }
        }
        var random = new Random(20261001);
        return string.Join('\n', lines.OrderBy(_ => random.Next())) + "\n";
    }

    public static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Runs `scan --config (the corpus config) ... -` over <see cref="Lines"/> with the extra arguments.</summary>
    public static CliRun Scan(params string[] args)
    {
        using var dir = new TempDir();
        var config = dir.Write("config.json", Config);
        return CliRun.WithStdin(CliRun.Utf8(Lines()), ["scan", "--config", config, .. args, "-"]);
    }
}
