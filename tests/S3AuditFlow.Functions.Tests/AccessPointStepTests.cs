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

    [Fact]
    public async Task Deduplicate_Alert_keys_composes_and_records_the_copy_as_a_read_of_the_mapped_bucket()
    {
        var table = await tables.Server.CreateConfigTableAsync();
        var dedupTable = await tables.Server.CreateDedupTableAsync();
        using var client = tables.Server.Client();
        SensitivityRule[] rules = [new(RuleKind.Prefix, "payroll/", SensitivityLevel.Critical, "acme-finance")];
        AccessPointBucket[] accessPoints = [new(AccessPoint, "acme-finance")];
        await new Aws.DynamoConfigStore(client, table).PutAsync([], rules, accessPoints);
        var source = new Core.Stores.CachedConfigSource(new Aws.DynamoConfigStore(client, table), TimeProvider.System);
        var parsed = await StepEvents.ParseAsync(Fixture("record-CopyObject-access-point-source.json"));
        var request = StepEvents.AccessRequest(parsed);
        var check = JsonSerializer.Deserialize(await new CheckAllowlistStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.CheckAllowlistResult)!;
        var classify = JsonSerializer.Deserialize(await new ClassifySensitivityStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.ClassifySensitivityResult)!;
        var dedup = new DeduplicateAlertStep(new Aws.DynamoDedupStore(client, dedupTable, TimeSpan.FromMinutes(15)));
        var payload = JsonSerializer.SerializeToUtf8Bytes(new DeduplicateAlertRequest(parsed.Access!, check, classify, "execution-1"), StepJsonContext.Default.DeduplicateAlertRequest);

        var result = JsonSerializer.Deserialize(await dedup.HandleAsync(payload, CancellationToken.None), StepJsonContext.Default.DeduplicateAlertResult)!;

        Assert.Equal("acme-finance", classify.Judged?.ReadObject.Bucket);
        Assert.False(result.Duplicate);
        Assert.Contains("acme-finance/payroll/", result.Alert!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("accesspoint/finance-ap/payroll", result.Alert.Message, StringComparison.Ordinal);
        var stored = await new Aws.AlertHistory(client, dedupTable).GetAsync(parsed.Access!.EventId);
        Assert.Equal("acme-finance", stored?.Bucket);
        // The key scan's dedup uses for the same record: both paths count this copy as the same access.
        var scan = new AccessEvaluator(AuditConfig.Create([], rules, accessPoints: accessPoints)).Evaluate(JsonDocument.Parse(Fixture("record-CopyObject-access-point-source.json").ToJsonString()).RootElement);
        Assert.Equal(scan.Candidate!.AccessKey, new AlertCandidate(classify.Judged!, classify.Classification!, check.Reason).AccessKey);
    }
}
