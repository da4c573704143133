using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.Functions.Steps;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// Copies through an access point in the steps (dynalite config table): Parse Event keeps them monitored, Check
/// Allowlist and Classify Sensitivity judge them by the mapped bucket, and the verdict is the one scan gives.
/// </summary>
public class AccessPointStepTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private const string AccessPoint = "arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap";

    private static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail", name)))!.AsObject();

    [Theory]
    [InlineData("record-CopyObject-access-point-source.json")]
    [InlineData("record-CopyObject-access-point-source-resources.json")]
    public async Task Parse_Event_keeps_a_copy_through_an_access_point_monitored(string fixture)
    {
        var step = new ParseEventStep(new HashSet<string>(AuditConfig.DefaultMonitoredEvents), new HashSet<string> { "acme-finance" });

        var output = JsonDocument.Parse(await step.HandleAsync(StepEvents.Bytes(StepEvents.EventBridge(Fixture(fixture))), CancellationToken.None)).RootElement;

        Assert.True(output.GetProperty("applicable").GetBoolean(), output.GetRawText());
    }

    [Theory]
    [InlineData("record-CopyObject-access-point-source.json", true)]
    [InlineData("record-CopyObject-access-point-source-resources.json", false)]
    [InlineData("record-CopyObject-access-point-source.json", false)]
    public async Task Check_and_Classify_judge_it_by_the_mapped_bucket_as_scan_does(string fixture, bool mapped)
    {
        var table = await tables.Server.CreateConfigTableAsync();
        using var client = tables.Server.Client();
        // The finance bucket trusts the ETL role from its own network only and holds the payroll rule.
        AllowlistEntry[] entries = [new(EntryKind.Source, "10.0.0.0/8", "acme-finance"), new(EntryKind.Principal, "etl", "acme-finance")];
        SensitivityRule[] rules = [new(RuleKind.Prefix, "payroll/", SensitivityLevel.Critical, "acme-finance")];
        AccessPointBucket[] accessPoints = mapped ? [new(AccessPoint, "acme-finance")] : [];
        await new Aws.DynamoConfigStore(client, table).PutAsync(entries, rules, accessPoints);
        var source = new Core.Stores.CachedConfigSource(new Aws.DynamoConfigStore(client, table), TimeProvider.System);
        var request = StepEvents.AccessRequest(await StepEvents.ParseAsync(Fixture(fixture)));

        var check = JsonSerializer.Deserialize(await new CheckAllowlistStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.CheckAllowlistResult)!;
        var classify = JsonSerializer.Deserialize(await new ClassifySensitivityStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.ClassifySensitivityResult)!;
        var scan = new AccessEvaluator(AuditConfig.Create(entries, rules, accessPoints: accessPoints)).Evaluate(JsonDocument.Parse(Fixture(fixture).ToJsonString()).RootElement);

        var known = mapped || fixture.EndsWith("-resources.json", StringComparison.Ordinal);
        Assert.False(check.Trusted);
        // Known bucket: its principal entry applies (the source does not); unknown: no bucket entry applies at all.
        Assert.Equal(!known, check.Reason.Contains("principal role/etl not allowlisted", StringComparison.Ordinal));
        Assert.Equal(known, classify.Sensitive);
        Assert.Equal(known ? SensitivityLevel.Critical : null, classify.Classification?.Level);
        // The same verdict and reasons as scan.
        Assert.Equal(classify.Classification?.Level, scan.Candidate?.Classification.Level);
        if (scan.Candidate is { } candidate)
            Assert.Equal(check.Reason, candidate.TrustReason);
        if (known)
            Assert.Equal(classify.Reason, $"{scan.Candidate!.Classification.Object} matches {scan.Candidate.Classification.Describe()}");
        else
            Assert.Equal(Verdict.NotSensitive, scan.Final);
    }
}
