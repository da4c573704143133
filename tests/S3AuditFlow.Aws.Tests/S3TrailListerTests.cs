using Amazon.S3;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

/// <summary>
/// What the lister asks S3 for, against a real S3 API (moto_server) holding an organization trail's layout: the
/// requests are recorded by a proxy that only counts them.
/// </summary>
public sealed class S3TrailListerTests(TrailBucketFixture trail) : IClassFixture<TrailBucketFixture>
{
    private const string Bucket = TrailBucketFixture.Bucket;

    private AmazonS3Client ThroughProxy() => new AwsTarget(Region: "us-east-1", EndpointUrl: trail.Proxy.Endpoint).CreateS3();

    private async Task<(List<string> Keys, InputSelection Selection)> ListAsync(string uri, TrailLayout? layout = null, int pageSize = 1000)
    {
        trail.Proxy.Clear();
        using var s3 = ThroughProxy();
        var selection = new InputSelection(layout);
        var inputs = await new S3TrailLister(s3, selection) { PageSize = pageSize }.ListAsync(S3Location.Parse(uri));
        return ([.. inputs.Select(i => i.Name)], selection);
    }

    private static string Uri(string key) => $"s3://{Bucket}/{key}";

    [MotoFact]
    public async Task Without_filters_one_paged_listing_finds_every_log_file_and_counts_the_digests()
    {
        var (keys, selection) = await ListAsync($"s3://{Bucket}/AWSLogs/", pageSize: 7);

        // Insight files are JSON too and are read (their events are ignored); the load balancer's log is not JSON.
        var expected = trail.Tree.LogKeys.Append(trail.Tree.Objects.Keys.Single(k => k.Contains("CloudTrail-Insight", StringComparison.Ordinal)));
        Assert.Equal(expected.Order(StringComparer.Ordinal).Select(Uri), keys);
        Assert.Equal(trail.Tree.DigestKeys.Count(), selection.DigestsSkipped);
        var listings = trail.Proxy.Listings(Bucket);
        Assert.True(listings.Count > 10, "a page of 7 keys makes many pages");
        Assert.All(listings, l => Assert.Equal(("AWSLogs/", false), l));
        Assert.Empty(trail.Proxy.ObjectsRead(Bucket));
    }

    [MotoFact]
    public async Task A_window_lists_only_its_day_folders_plus_one_in_every_account_and_region()
    {
        var (keys, selection) = await ListAsync($"s3://{Bucket}/", new TrailLayout(TimeWindow.Parse("2026-10-01", "2026-10-02")));

        string[] days = ["/2026/10/01/", "/2026/10/02/", "/2026/10/03/"];
        Assert.Equal(trail.Tree.LogKeys.Where(k => days.Any(d => k.Contains(d, StringComparison.Ordinal))).Select(Uri), keys);
        Assert.Equal(36, keys.Count); // 3 trails x 2 regions x 3 days x 2 files
        Assert.Equal(0, selection.DigestsSkipped); // their folders are never listed
        var listings = trail.Proxy.Listings(Bucket);
        // Above the regions, one delimited listing per folder of the layout (not the digests', not the load balancer's
        // logs, though its account folder is looked into); below, one listing per wanted day and nothing else.
        const string org = $"AWSLogs/{TrailTree.OrgId}/";
        Assert.Equal(
            ["", "AWSLogs/", "AWSLogs/111111111111/", "AWSLogs/333333333333/", "AWSLogs/333333333333/CloudTrail/", org,
             org + "111111111111/", org + "111111111111/CloudTrail/", org + "222222222222/", org + "222222222222/CloudTrail/"],
            listings.Where(l => l.Delimited).Select(l => l.Prefix).Order(StringComparer.Ordinal));
        var dayListings = listings.Where(l => !l.Delimited).Select(l => l.Prefix).ToList();
        Assert.Equal(18, dayListings.Count);
        Assert.All(dayListings, p => Assert.Contains(days, d => p.EndsWith(d, StringComparison.Ordinal)));
    }

    [MotoFact]
    public async Task Accounts_and_regions_narrow_the_walk()
    {
        var layout = new TrailLayout(TimeWindow.Parse("2026-09-30", "2026-09-30"), accounts: ["222222222222", TrailTree.SoloAccount], regions: ["eu-west-1"]);

        var (keys, _) = await ListAsync($"s3://{Bucket}/AWSLogs/", layout);

        Assert.Equal(8, keys.Count); // 2 accounts x 1 region x 2 days x 2 files
        Assert.All(keys, k => Assert.Matches("/(222222222222|333333333333)/CloudTrail/eu-west-1/2026/(09/30|10/01)/", k));
        var listings = trail.Proxy.Listings(Bucket);
        Assert.DoesNotContain(listings, l => l.Prefix.Contains("111111111111/", StringComparison.Ordinal) || l.Prefix.Contains("us-east-1", StringComparison.Ordinal));
    }

    [MotoFact]
    public async Task A_prefix_inside_the_layout_is_narrowed_further_and_paging_changes_nothing()
    {
        var uri = $"s3://{Bucket}/AWSLogs/{TrailTree.OrgId}/111111111111/CloudTrail/us-east-1/2026/10/0";
        var layout = new TrailLayout(TimeWindow.Parse("2026-09-01", "2026-10-01"));

        var (keys, _) = await ListAsync(uri, layout);
        var (paged, _) = await ListAsync(uri, layout, pageSize: 1);

        Assert.Equal(4, keys.Count); // 10/01 and 10/02 (the day after --until), 2 files each
        Assert.Equal(keys, paged);
    }

    [MotoFact]
    public async Task A_bucket_that_cannot_be_listed_is_a_store_error_naming_it()
    {
        using var s3 = ThroughProxy();

        var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => new S3TrailLister(s3, new InputSelection()).ListAsync(S3Location.Parse("s3://no-such-bucket/AWSLogs/")));

        Assert.Contains("listing s3://no-such-bucket/AWSLogs/ failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("NoSuchBucket", e.Message, StringComparison.Ordinal);
    }
}
