using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Input;

/// <summary>
/// Which prefixes a trail walk lists for --since/--until, --account and --region-filter (a pure function of the
/// prefix), which keys it admits, and digest files skipped and counted in folder scans.
/// </summary>
public class TrailLayoutTests
{
    private const string Org = "AWSLogs/o-abcde12345/";
    private const string Region = Org + "111122223333/CloudTrail/eu-west-1/";

    private static TrailLayout Layout(string? since, string? until, string[]? accounts = null, string[]? regions = null) =>
        new(TimeWindow.Parse(since, until), accounts, regions);

    private static string[] Plan(TrailLayout layout, string prefix) =>
        [.. layout.Plan(prefix).Select(l => (l.Discover ? "discover " : "list ") + l.Prefix)];

    [Theory]
    [InlineData("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261001T010203Z.json.gz", true)]
    [InlineData("copies/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261001T010203Z.json.gz", true)]
    [InlineData("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/01/anything.json.gz", true)]
    [InlineData("AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/111122223333_CloudTrail_us-east-1_20261001T0105Z_abc.json.gz", false)]
    [InlineData("notes/CloudTrail-Digest", false)]
    public void Digest_files_are_known_by_folder_or_name(string key, bool digest) => Assert.Equal(digest, TrailLayout.IsDigest(key));

    [Fact]
    public void Without_filters_everything_is_listed_in_one_go()
    {
        Assert.False(TrailLayout.Everything.Prunes);
        Assert.Equal(["list AWSLogs/"], Plan(TrailLayout.Everything, "AWSLogs/"));
        Assert.True(TrailLayout.Everything.Admits("AWSLogs/111122223333/elasticloadbalancing/x.log.gz"));
    }

    [Fact]
    public void Folders_above_the_regions_are_discovered_and_a_bounded_window_lists_its_days_plus_one()
    {
        var layout = Layout("2026-10-02T08:00:00Z", "2026-10-03");

        Assert.Equal(["discover "], Plan(layout, ""));
        Assert.Equal(["discover trail-prefix/"], Plan(layout, "trail-prefix/"));
        Assert.Equal(["discover " + Org], Plan(layout, Org));
        Assert.Equal(["discover " + Org + "111122223333/"], Plan(layout, Org + "111122223333/"));
        Assert.Equal(["discover " + Org + "111122223333/CloudTrail/"], Plan(layout, Org + "111122223333/CloudTrail/"));
        Assert.Equal(
            ["list " + Region + "2026/10/02/", "list " + Region + "2026/10/03/", "list " + Region + "2026/10/04/"],
            Plan(layout, Region));
    }

    [Fact]
    public void Days_cross_months_and_years_and_a_partial_prefix_narrows_them()
    {
        var layout = Layout("2026-12-31", "2027-01-01");

        Assert.Equal(
            ["list " + Region + "2026/12/31/", "list " + Region + "2027/01/01/", "list " + Region + "2027/01/02/"],
            Plan(layout, Region));
        Assert.Equal(["list " + Region + "2027/01/01/", "list " + Region + "2027/01/02/"], Plan(layout, Region + "2027/"));
        Assert.Equal(["list " + Region + "2027/01/02/"], Plan(layout, Region + "2027/01/02"));
        Assert.Equal(["list " + Region + "2027/01/02/x_"], Plan(layout, Region + "2027/01/02/x_"));
        Assert.Empty(Plan(layout, Region + "2026/11/"));
        Assert.Empty(Plan(layout, Region + "2027/01/03/"));
    }

    [Fact]
    public void Half_open_or_very_long_windows_discover_years_months_and_days()
    {
        var since = Layout("2026-10-30", null);

        Assert.Equal(["discover " + Region], Plan(since, Region));
        Assert.Empty(Plan(since, Region + "2025/"));
        Assert.Equal(["discover " + Region + "2026/"], Plan(since, Region + "2026/"));
        Assert.Empty(Plan(since, Region + "2026/09/"));
        Assert.Equal(["discover " + Region + "2026/10/"], Plan(since, Region + "2026/10/"));
        Assert.Empty(Plan(since, Region + "2026/10/29/"));
        Assert.Equal(["list " + Region + "2026/10/30/"], Plan(since, Region + "2026/10/30/"));
        Assert.Equal(["list " + Region + "2031/01/01/"], Plan(since, Region + "2031/01/01/"));

        var until = Layout(null, "2026-10-30");
        Assert.Equal(["list " + Region + "2019/01/01/"], Plan(until, Region + "2019/01/01/"));
        Assert.Equal(["list " + Region + "2026/10/31/"], Plan(until, Region + "2026/10/31/"));
        Assert.Empty(Plan(until, Region + "2026/11/"));

        Assert.Equal(["discover " + Region], Plan(Layout("2024-01-01", "2026-01-01"), Region));
    }

    [Fact]
    public void Accounts_and_regions_narrow_the_walk_and_a_region_without_dates_is_listed_whole()
    {
        var layout = Layout(null, null, accounts: ["111122223333"], regions: ["eu-west-1", "us-east-1"]);

        Assert.True(layout.Prunes);
        Assert.Equal(["discover " + Org + "111122223333/"], Plan(layout, Org + "111122223333/"));
        Assert.Empty(Plan(layout, Org + "444455556666/"));
        Assert.Empty(Plan(layout, Org + "111122223333/CloudTrail/ap-south-1/"));
        Assert.Equal(["list " + Region], Plan(layout, Region));
        Assert.Equal(["list " + Region + "2020/"], Plan(layout, Region + "2020/"));
    }

    [Theory]
    [InlineData("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/01/f.json.gz", true)]
    [InlineData("AWSLogs/o-abcde12345/111122223333/CloudTrail/eu-west-1/2026/10/01/f.json.gz", true)]
    [InlineData("my/trail/prefix/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/01/f.json.gz", true)]
    [InlineData("exports/f.json.gz", true)] // no layout to judge: read, and cut by eventTime
    [InlineData("AWSLogs/444455556666/CloudTrail/eu-west-1/2026/10/01/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/03/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2026/10/01/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/elasticloadbalancing/eu-west-1/2026/10/01/f.log.gz", false)]
    [InlineData("AWSLogs/not-an-account/CloudTrail/eu-west-1/2026/10/01/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/13/01/f.json.gz", false)]
    [InlineData("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/f.json.gz", true)] // a file above the day folders
    public void Keys_are_admitted_by_the_folders_they_sit_in(string key, bool admitted) =>
        Assert.Equal(admitted, Layout("2026-10-01", "2026-10-01", accounts: ["111122223333"], regions: ["eu-west-1"]).Admits(key));

    [Fact]
    public void A_folder_scan_skips_and_counts_digests_and_prunes_by_the_same_layout()
    {
        using var dir = new TempDir();
        var kept = dir.Write("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/01/111122223333_CloudTrail_eu-west-1_20261001T0105Z_a.json", "{}");
        dir.Write("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/09/20/111122223333_CloudTrail_eu-west-1_20260920T0105Z_b.json", "{}");
        dir.Write("AWSLogs/444455556666/CloudTrail/eu-west-1/2026/10/01/444455556666_CloudTrail_eu-west-1_20261001T0105Z_c.json", "{}");
        dir.Write("AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/10/01/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261001T010203Z.json.gz", "{}");
        var named = dir.Write("copy/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261002T010203Z.json.gz", "{}");
        var everything = new InputSelection();
        var filtered = new InputSelection(Layout("2026-10-01", null, accounts: ["111122223333"]));

        var all = ScanInput.Expand([Path.Combine(dir.Path, "AWSLogs"), named], () => Stream.Null, selection: everything);
        var inputs = ScanInput.Expand([Path.Combine(dir.Path, "AWSLogs"), named], () => Stream.Null, selection: filtered);

        Assert.Equal(3, all.Count);
        Assert.Equal(2, everything.DigestsSkipped);
        Assert.Equal([kept], inputs.Select(i => i.Name));
        // The digest folder is ruled out by the layout, as a filtered listing never reaches it; the named file is counted.
        Assert.Equal(1, filtered.DigestsSkipped);
    }

    [Fact]
    public void Remote_arguments_are_expanded_in_place()
    {
        using var dir = new TempDir();
        var local = dir.Write("a.json", "{}");
        var remote = new ScanInput("s3://bucket/key.json", () => Stream.Null, 2);
        var selection = new InputSelection { Remote = p => p.StartsWith("s3://", StringComparison.Ordinal) ? [remote] : null };

        var inputs = ScanInput.Expand(["s3://bucket/", local], () => Stream.Null, selection: selection);

        Assert.Equal(["s3://bucket/key.json", local], inputs.Select(i => i.Name));
    }
}
