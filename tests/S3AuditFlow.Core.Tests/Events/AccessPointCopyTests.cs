using System.Text;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Events;

/// <summary>Copies whose x-amz-copy-source is an access point ARN: monitored, and judged by the bucket behind it when known.</summary>
public class AccessPointCopyTests
{
    private const string AccessPoint = "arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap";
    private const string WithoutResources = "record-CopyObject-access-point-source.json";
    private const string WithResources = "record-CopyObject-access-point-source-resources.json";

    private static readonly HashSet<string> Monitored = new(AuditConfig.DefaultMonitoredEvents);

    // Only the finance bucket's rule covers payroll/: a copy out through its access point must meet it.
    private static readonly SensitivityRule FinanceRule = new(RuleKind.Prefix, "payroll/", SensitivityLevel.Critical, "acme-finance");

    private static S3Access Parse(string fixture, IReadOnlySet<string>? buckets = null) =>
        new CloudTrailParser(Monitored, buckets).Parse(Fixtures.Element(fixture)).Access!;

    [Fact]
    public void Resources_naming_the_source_bucket_resolve_the_access_point()
    {
        Assert.Equal(new ObjectRef("acme-finance", "payroll/2024-10/payroll.csv"), Parse(WithResources).ReadObject);
        Assert.Equal(new ObjectRef(AccessPoint, "payroll/2024-10/payroll.csv"), Parse(WithoutResources).ReadObject);
    }

    [Theory]
    [InlineData(WithoutResources)]
    [InlineData(WithResources)]
    public void A_copy_through_an_access_point_out_of_a_monitored_bucket_is_monitored(string fixture)
    {
        var result = new CloudTrailParser(Monitored, new HashSet<string> { "acme-finance" }).Parse(Fixtures.Element(fixture));

        Assert.Null(result.Final);
        Assert.NotNull(result.Access);
    }

    [Fact]
    public void Resources_naming_another_bucket_still_leave_a_monitored_source_not_monitored_only_when_known()
    {
        var result = new CloudTrailParser(Monitored, new HashSet<string> { "other-bucket" }).Parse(Fixtures.Element(WithResources));

        Assert.Equal(Verdict.NotMonitored, result.Final);
        Assert.Equal("bucket acme-finance is not monitored", result.Reason);
    }

    [Theory]
    [InlineData(WithoutResources, true, SensitivityLevel.Critical)]
    [InlineData(WithResources, false, SensitivityLevel.Critical)]
    [InlineData(WithoutResources, false, null)]
    public void The_source_bucket_rules_apply_when_mapped_or_named_by_resources(string fixture, bool mapped, SensitivityLevel? level)
    {
        var config = AuditConfig.Create([], [FinanceRule], accessPoints: mapped ? [new AccessPointBucket(AccessPoint, "acme-finance")] : []);

        var evaluation = new AccessEvaluator(config).Evaluate(Fixtures.Element(fixture));

        Assert.Equal(level, evaluation.Candidate?.Classification.Level);
        if (level is null)
            Assert.Equal(Verdict.NotSensitive, evaluation.Final);
        else
            Assert.Equal("acme-finance", evaluation.Candidate!.Access.ReadObject.Bucket);
    }

    [Fact]
    public void An_unmapped_access_point_is_judged_by_global_rules_and_never_by_bucket_entries()
    {
        var config = AuditConfig.Create(
            [new AllowlistEntry(EntryKind.Source, "54.177.149.226", "acme-finance"), new AllowlistEntry(EntryKind.Principal, "etl", "acme-finance")],
            [new SensitivityRule(RuleKind.Keyword, "payroll", SensitivityLevel.High)]);

        var evaluation = new AccessEvaluator(config).Evaluate(Fixtures.Element(WithoutResources));

        Assert.Equal(SensitivityLevel.High, evaluation.Candidate!.Classification.Level);
        Assert.Equal(AccessPoint, evaluation.Candidate.Access.ReadObject.Bucket);
    }

    [Fact]
    public void The_rich_config_maps_access_points_and_refuses_bad_mappings()
    {
        var config = Load($$"""{"rules": [{"type": "prefix", "value": "payroll/", "bucket": "acme-finance"}], "accessPoints": [{"accessPoint": "{{AccessPoint}}", "bucket": "acme-finance"}]}""");

        Assert.Equal("acme-finance", config.AccessPoints.BucketOf(AccessPoint));
        Assert.Contains("not an access point ARN", Error("""{"accessPoints": [{"accessPoint": "finance-ap", "bucket": "acme-finance"}]}"""), StringComparison.Ordinal);
        Assert.Contains("accessPoints[0]", Error($$"""{"accessPoints": [{"accessPoint": "{{AccessPoint}}", "bucket": ""}]}"""), StringComparison.Ordinal);
        Assert.Contains("mapped twice", Error($$"""{"accessPoints": [{"accessPoint": "{{AccessPoint}}", "bucket": "a-b-c"}, {"accessPoint": "{{AccessPoint}}", "bucket": "d-e-f"}]}"""), StringComparison.Ordinal);
        Assert.Contains("\"bucket\"", Error($$"""{"accessPoints": [{"accessPoint": "{{AccessPoint}}"}]}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void The_writer_round_trips_access_points()
    {
        var items = new Stores.RuleSet([], [FinanceRule]) { AccessPoints = [new AccessPointBucket(AccessPoint, "acme-finance")] };
        using var buffer = new MemoryStream();

        ConfigWriter.Write(buffer, items);
        buffer.Position = 0;

        Assert.Equal("acme-finance", ConfigLoader.Load(buffer).AccessPoints.BucketOf(AccessPoint));
    }

    private static AuditConfig Load(string json) => ConfigLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    private static string Error(string json) => Assert.Throws<ConfigException>(() => Load(json)).Message;
}
