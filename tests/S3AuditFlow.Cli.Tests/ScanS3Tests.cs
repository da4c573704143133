using System.Text.Json;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// `scan s3://…` end to end against a real S3 API (moto_server) holding an organization trail: the same results as
/// a scan of the same files on disk, --since/--until reading only their days, digests skipped, and an object that
/// breaks off or is refused reported with its key while the rest is scanned. A proxy in front of moto_server records
/// (and, where a test asks, cuts) the requests; it changes nothing else.
/// </summary>
public sealed class ScanS3Tests(TrailBucketFixture trail) : IClassFixture<TrailBucketFixture>
{
    private const string Bucket = TrailBucketFixture.Bucket;
    private const string Org = $"AWSLogs/{TrailTree.OrgId}/";

    private static string[] Scan(string endpoint, params string[] args) =>
        ["scan", "--config", Samples.Config, "--endpoint-url", endpoint, "--region", "us-east-1", .. args];

    /// <summary>(eventId, verdict, reason) of each --verdicts line, and the inputs named.</summary>
    private static List<(string? EventId, string? Verdict, string? Reason, string? File)> Verdicts(CliRun run) =>
        [.. run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).Select(v => (
            v.TryGetProperty("eventId", out var id) ? id.GetString() : null, v.GetProperty("verdict").GetString(),
            v.GetProperty("reason").GetString(), v.GetProperty("file").GetString()))];

    [MotoFact]
    public void An_s3_tree_scans_exactly_as_the_same_files_on_disk()
    {
        using var dir = new TempDir();
        trail.Tree.WriteTo(dir.Path);
        var local = Path.Combine(dir.Path, "AWSLogs");

        var fromS3 = CliRun.Of(Scan(trail.Endpoint, "--verdicts", $"s3://{Bucket}/AWSLogs/"));
        var fromDisk = CliRun.Of(Scan(trail.Endpoint, "--verdicts", local));
        var alertsFromS3 = CliRun.Of(Scan(trail.Endpoint, "--format", "jsonl", $"s3://{Bucket}/AWSLogs/"));
        var alertsFromDisk = CliRun.Of(Scan(trail.Endpoint, "--format", "jsonl", local));

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (fromS3.ExitCode, fromDisk.ExitCode));
        var s3Verdicts = Verdicts(fromS3);
        Assert.True(s3Verdicts.Count > 100, "the tree holds a few hundred records");
        Assert.Equal(
            Verdicts(fromDisk).Select(v => v with { File = v.File!.Replace(local, $"s3://{Bucket}/AWSLogs", StringComparison.Ordinal) }),
            s3Verdicts);
        Assert.DoesNotContain(s3Verdicts, v => v.Verdict == "malformed");
        Assert.NotEmpty(alertsFromS3.OutLines);
        Assert.Equal(alertsFromDisk.Out, alertsFromS3.Out);
        var digests = $"skipped {trail.Tree.DigestKeys.Count()} CloudTrail-Digest files";
        Assert.Contains(digests, fromS3.Error, StringComparison.Ordinal);
        Assert.Contains(digests, fromDisk.Error, StringComparison.Ordinal);
    }

    [MotoFact]
    public void Allowlist_suggest_reads_an_s3_tree_as_it_reads_the_same_files_on_disk()
    {
        using var dir = new TempDir();
        trail.Tree.WriteTo(dir.Path);
        string[] Suggest(string path) => ["allowlist", "suggest", "--config", Samples.Config, "--endpoint-url", trail.Endpoint, "--region", "us-east-1",
            "--format", "json", "--no-progress", path];

        var fromS3 = CliRun.Of(Suggest($"s3://{Bucket}/AWSLogs/"));
        var fromDisk = CliRun.Of(Suggest(Path.Combine(dir.Path, "AWSLogs")));

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (fromS3.ExitCode, fromDisk.ExitCode));
        Assert.DoesNotContain("s3://", fromS3.Error, StringComparison.Ordinal); // no object failed to read
        var reads = JsonDocument.Parse(fromS3.Out).RootElement.GetProperty("untrustedSensitiveReads").GetInt64();
        Assert.True(reads > 0, "the tree holds untrusted reads of sensitive objects");
        Assert.Equal(fromDisk.Out, fromS3.Out);
    }

    [MotoFact]
    public void Since_and_until_read_only_their_day_folders_plus_one_and_cut_events_by_eventTime()
    {
        trail.Proxy.Clear();

        var run = CliRun.Of(Scan(trail.Proxy.Endpoint, "--verdicts", "--since", "2026-10-01", "--until", "2026-10-02", $"s3://{Bucket}/"));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        string[] days = ["/2026/10/01/", "/2026/10/02/", "/2026/10/03/"];
        Assert.Equal(
            trail.Tree.LogKeys.Where(k => days.Any(d => k.Contains(d, StringComparison.Ordinal))).Order(StringComparer.Ordinal),
            trail.Proxy.ObjectsRead(Bucket).Order(StringComparer.Ordinal));
        var verdicts = Verdicts(run);
        var judged = verdicts.Where(v => v.Verdict != "outside-window").Select(v => v.EventId!).ToList();
        // Per trail and region: the noon reads of 10/01 and 10/02 (4 + 4), the read at 23:58 on 10/01 delivered into
        // 10/02's folder, and the read at 23:58 on 10/02 delivered into 10/03's, found by listing the day after --until.
        Assert.Equal(3 * 2 * 10, judged.Count);
        Assert.All(judged, id => Assert.Matches("-(20261001-.-[ab]|20261002-.-[ab]|20261002-0-late|20261003-0-late)$", id));
        Assert.Contains(judged, id => id.EndsWith("-20261003-0-late", StringComparison.Ordinal));
        // Per trail and region: 10/03's noon reads (4), and the read at 23:58 on 09/30 in 10/01's folder.
        var outside = verdicts.Where(v => v.Verdict == "outside-window").ToList();
        Assert.Equal(3 * 2 * 5, outside.Count);
        Assert.All(outside, v => Assert.Matches("^eventTime .* is (before --since 2026-10-01T00:00:00Z|after --until 2026-10-02T23:59:59Z)$", v.Reason!));
    }

    [MotoFact]
    public void An_object_that_breaks_off_mid_stream_is_reported_with_its_key_and_the_rest_is_scanned()
    {
        var region = $"{Org}111111111111/CloudTrail/us-east-1/";
        var victim = trail.Tree.LogKeys.First(k => k.StartsWith(region + "2026/10/01/", StringComparison.Ordinal));
        trail.Proxy.CutBody = path => path.EndsWith(victim, StringComparison.Ordinal);
        try
        {
            var run = CliRun.Of(Scan(trail.Proxy.Endpoint, "--verdicts", $"s3://{Bucket}/{region}"));

            Assert.Equal(ExitCodes.Ok, run.ExitCode);
            Assert.Matches($"s3audit: s3://{Bucket}/{victim}:[0-9]+: unreadable input .*the object's body broke off after", run.Error);
            var verdicts = Verdicts(run);
            Assert.Equal(["malformed"], verdicts.Where(v => v.File == $"s3://{Bucket}/{victim}").Select(v => v.Verdict));
            var others = trail.Tree.LogKeys.Count(k => k.StartsWith(region, StringComparison.Ordinal)) - 1;
            Assert.Equal(others, verdicts.Where(v => v.Verdict != "malformed").Select(v => v.File).Distinct().Count());
        }
        finally
        {
            trail.Proxy.CutBody = _ => false;
        }
    }

    [MotoFact]
    public void An_object_that_cannot_be_read_is_reported_with_its_key_and_the_rest_is_scanned()
    {
        var region = $"{Org}222222222222/CloudTrail/eu-west-1/";
        var refused = trail.Tree.LogKeys.Last(k => k.StartsWith(region, StringComparison.Ordinal));
        trail.Proxy.Refuse = path => path.EndsWith(refused, StringComparison.Ordinal);
        try
        {
            var run = CliRun.Of(Scan(trail.Proxy.Endpoint, "--format", "jsonl", $"s3://{Bucket}/{region}"));

            Assert.Equal(ExitCodes.Ok, run.ExitCode);
            Assert.Contains($"s3audit: s3://{Bucket}/{refused}:0: cannot read: GetObject failed: AccessDenied", run.Error, StringComparison.Ordinal);
            Assert.NotEmpty(run.OutLines);
        }
        finally
        {
            trail.Proxy.Refuse = _ => false;
        }
    }

    [MotoFact]
    public async Task A_multi_member_gzip_object_reads_as_one_input_beside_local_files()
    {
        using var dir = new TempDir();
        var first = TrailTree.Gzip(Records.GetObject("m1", "2026-10-01T00:00:00Z", "cardholder-1.csv") + "\n");
        var second = TrailTree.Gzip(Records.GetObject("m2", "2026-10-01T00:01:00Z", "cardholder-2.csv") + "\n");
        await trail.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket, Key = "concatenated/cat.json.gz", InputStream = new MemoryStream([.. first, .. second]) });
        var local = dir.Write("local.json", Records.GetObject("l1", "2026-10-01T00:02:00Z", "cardholder-3.csv"));

        var run = CliRun.Of(Scan(trail.Endpoint, "--verdicts", $"s3://{Bucket}/concatenated/", local));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(
            [("m1", "alert", $"s3://{Bucket}/concatenated/cat.json.gz"), ("m2", "alert", $"s3://{Bucket}/concatenated/cat.json.gz"), ("l1", "alert", local)],
            Verdicts(run).Select(v => (v.EventId, v.Verdict, v.File)));
    }

    [MotoFact]
    public void A_bucket_that_cannot_be_listed_exits_3_naming_it()
    {
        var run = CliRun.Of(Scan(trail.Endpoint, "s3://no-such-trail-bucket/AWSLogs/"));

        Assert.Equal(ExitCodes.StoreError, run.ExitCode);
        Assert.Contains("listing s3://no-such-trail-bucket/AWSLogs/ failed", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData("--since", "10/01/2026", "--since \"10/01/2026\" is not an ISO 8601 date or time")]
    [InlineData("--until", "2020-01-01", "--since 2026-10-01T00:00:00Z is after --until 2020-01-01T23:59:59Z")]
    [InlineData("--account", "1234", "--account \"1234\" is not a 12-digit AWS account ID")]
    [InlineData("--region-filter", "EU West", "--region-filter \"EU West\" is not a region name")]
    [InlineData(null, "s3://x/AWSLogs/", "\"s3://x/AWSLogs/\" does not name a valid bucket")]
    public void Bad_filters_or_s3_uris_are_usage_errors(string? option, string value, string message)
    {
        string[] since = option == "--since" ? [] : ["--since", "2026-10-01"];
        string[] given = option is null ? [value] : [option, value, Samples.Logs];
        var run = CliRun.Of(["scan", "--config", Samples.Config, .. since, .. given]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_folders_are_pruned_and_cut_the_same_way_and_their_digests_skipped()
    {
        using var dir = new TempDir();
        trail.Tree.WriteTo(dir.Path);

        var run = CliRun.Of("scan", "--config", Samples.Config, "--since", "2026-10-01", "--until", "2026-10-02",
            "--account", $"222222222222,{TrailTree.SoloAccount}", "--region-filter", "us-east-1", dir.Path);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("from 12 inputs", run.Out, StringComparison.Ordinal); // 2 accounts x 1 region x 3 days x 2 files
        Assert.Matches(@"outside-window\s+10\n", run.Out.Replace("\r", "", StringComparison.Ordinal));
        // With filters the digest folders are left out before their files are seen, as in a bucket.
        Assert.DoesNotContain("CloudTrail-Digest", run.Error, StringComparison.Ordinal);
    }
}
