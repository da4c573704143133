using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests;

/// <summary>The project's public sample set, as copied into tests/fixtures/cloudtrail/public.</summary>
public class PublicSamplesTests
{
    private static readonly AccessEvaluator Evaluator = new(AuditConfig.Create(
        [],
        [
            new SensitivityRule(RuleKind.Keyword, "emergency", SensitivityLevel.Critical),
            new SensitivityRule(RuleKind.Keyword, "customer-database"),
            new SensitivityRule(RuleKind.Keyword, "readme", SensitivityLevel.Low),
        ]));

    /// <summary>Every *.json sample, found on disk so a new sample is tested without touching this file.</summary>
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(Fixtures.PublicDir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Fixtures.PublicDir, path));
        return data;
    }

    /// <summary>One outcome per record: the verdict name, or "candidate" for an alert candidate.</summary>
    private static List<string> Outcomes(string sample)
    {
        using var file = File.OpenRead(Path.Combine(Fixtures.PublicDir, sample));
        using var reader = new JsonRecordReader(file);
        var outcomes = new List<string>();
        foreach (var record in reader.Read())
        {
            Assert.False(record.IsError, $"{sample} line {record.Line}: {record.Error}");
            var evaluation = Evaluator.Evaluate(record.Element);
            Assert.True(evaluation.Final is null != evaluation.Candidate is null, "exactly one of a verdict and a candidate");
            Assert.NotEmpty(evaluation.Final is null ? evaluation.Candidate!.Reason : evaluation.Reason);
            outcomes.Add(evaluation.Final?.Name() ?? "candidate");
        }
        return outcomes;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EverySampleIsReadAndJudgedWithoutThrowing(string sample)
    {
        Assert.NotEmpty(Outcomes(sample));
    }

    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["NEGATIVE_aws-lambda-dotnet_native-eventbridge_s3-ObjectCreated.json"] = "ignored",
        ["alexwlchan-blog_AssumedRole-ECS_HeadObject_vpce_private-ip.json"] = "not-monitored",
        ["aws-docs_s3-outposts_PutObject_data-event.json"] = "ignored",
        ["aws-docs_s3_logfile-Records_ListBuckets-PutBucketAcl-GetBucketVersioning.json"] = "not-monitored,not-monitored,not-monitored",
        ["aws-docs_stepfunctions-tutorial_eventbridge-wrapped_PutObject.json"] = "not-monitored",
        ["elastic-integrations_test-assume-role-aws-service-json_AWSService-userIdentity.json"] = "ignored",
        ["elastic-integrations_test-copy-object-json.json"] = "candidate",
        ["eventbridge-wrapped_PutObject_python-reserialized_provenance-unclear.json"] = "not-monitored",
        ["panther_AWS.CloudTrail.VPCE.S3ExternalIP_test_NetworkActivity-GetObject.json"] = "ignored",
        ["panther_AWS.S3.CopyObjectToExternalAccountBucket_test_external.yaml-to-json.json"] = "candidate",
        ["panther_AWS.S3.DeleteObjects_test_DeleteObjects.json"] = "not-monitored",
        // Panther trimmed requestParameters to the bucket: a GetObject naming no key cannot be classified.
        ["panther_AWS.S3.GreyNoiseActivity_deprecated_test_GetObject.yaml-to-json.json"] = "malformed",
        ["pwnedlabs-breach-in-the-cloud_AssumedRole_GetObject.json"] = "candidate",
        ["pwnedlabs-breach-in-the-cloud_IAMUser_ListObjects_AccessDenied.json"] = "not-monitored",
        // Shortened by Stratus: no eventID or eventTime.
        ["stratus_aws.impact.s3-ransomware-client-side-encryption_CopyObject-SSE-C_shortened.json"] = "malformed",
        ["stratus_aws.impact.s3-ransomware-individual-deletion_DeleteObject_shortened.json"] = "not-monitored",
        ["thm-aoc2024-day7_IAMUser-console_ListObjects_vpce.json"] = "not-monitored",
        ["thm-aoc2024-day7_IAMUser-presigned-QueryString_PutObject.json"] = "not-monitored",
        ["thm-aoc2024-day7_anonymous_PreflightRequest.json"] = "not-monitored",
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EverySampleGetsItsExpectedVerdicts(string sample)
    {
        Assert.True(Expected.TryGetValue(sample, out var expected), $"add the expected verdicts of new sample {sample} to {nameof(Expected)}");
        Assert.Equal(expected, string.Join(',', Outcomes(sample)));
    }

    [Fact]
    public void PwnedLabsGetObjectByAdminRoleIsACriticalCandidate()
    {
        var candidate = Evaluator.Evaluate(Fixtures.Element("public/pwnedlabs-breach-in-the-cloud_AssumedRole_GetObject.json")).Candidate!;

        Assert.Equal(SensitivityLevel.Critical, candidate.Severity);
        Assert.Equal("role/AdminRole", candidate.Access.Principal.Label);
        Assert.Equal("MySession", candidate.Access.Principal.SessionName);
        Assert.Equal("84.32.71.3", candidate.Access.Source.Value);
        Assert.Equal(2232, candidate.Access.BytesTransferredOut);
        Assert.Equal(new ObjectRef("emergency-data-recovery", "emergency.txt"), candidate.Classification.Object);
    }

    [Fact]
    public void GreyNoiseGetObjectIsMalformedOnlyForItsMissingKey()
    {
        var evaluation = Evaluator.Evaluate(Fixtures.Element("public/panther_AWS.S3.GreyNoiseActivity_deprecated_test_GetObject.yaml-to-json.json"));

        // The reason is about the key, so the Panther-style eventTime "2021-08-16 16:39:43" was accepted.
        Assert.Equal("GetObject without requestParameters.key", evaluation.Reason);
        Assert.Equal("60858000-f093-465f-9d62-97655522ab1a", evaluation.EventId);
    }

    [Fact]
    public void GreyNoiseGetObjectWithItsKeyIsACandidateByRolePanther()
    {
        var node = Fixtures.Node("public/panther_AWS.S3.GreyNoiseActivity_deprecated_test_GetObject.yaml-to-json.json");
        node["requestParameters"]!["key"] = "exports/customer-database.csv";

        var candidate = Evaluator.Evaluate(Fixtures.ToElement(node)).Candidate!;

        Assert.Equal("role/Panther", candidate.Access.Principal.Label);
        Assert.Equal("142.93.204.250", candidate.Access.Source.Value);
        Assert.Equal(new DateTimeOffset(2021, 8, 16, 16, 39, 43, TimeSpan.Zero), candidate.Access.EventTime);
        Assert.Equal("keyword \"customer-database\" (high)", candidate.Classification.Describe());
    }

    [Fact]
    public void PantherCopyToExternalBucketReadsTheVictimObject()
    {
        var candidate = Evaluator.Evaluate(Fixtures.Element("public/panther_AWS.S3.CopyObjectToExternalAccountBucket_test_external.yaml-to-json.json")).Candidate!;

        Assert.Equal(new ObjectRef("ransomware-test-victim-1764604156", "customer-database.csv"), candidate.Access.ReadObject);
        Assert.Equal(new ObjectRef("attacker-exfil-1764604156", "customer-database.csv"), candidate.Access.CopyDestination);
        Assert.Equal("AdminRole", candidate.Access.Principal.Name);
    }

    [Fact]
    public void ElasticCopyObjectParsesItsCopySource()
    {
        var candidate = Evaluator.Evaluate(Fixtures.Element("public/elastic-integrations_test-copy-object-json.json")).Candidate!;

        Assert.Equal(new ObjectRef("elastic-cspm-cloudtrail-test-bucket", "test-copy-object/README.md"), candidate.Access.CopySource);
        Assert.Equal(SensitivityLevel.Low, candidate.Severity);
    }

    [Fact]
    public void InvalidAsPublishedSampleIsReportedWithItsLine()
    {
        using var file = File.OpenRead(Path.Combine(Fixtures.PublicDir, "invalid-as-published", "stratus_aws.impact.s3-ransomware-batch-deletion_DeleteObjects_shortened.json.txt"));

        var item = Assert.Single(ReadItem.ReadAll(file));

        Assert.Equal(1, item.Line);
        Assert.StartsWith("invalid JSON at line 5:", item.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SamplesAreTheRepositorysCopies()
    {
        Assert.StartsWith("> Copies of the project's public sample set", File.ReadLines(Path.Combine(Fixtures.PublicDir, "SOURCES.md")).First(), StringComparison.Ordinal);
        Assert.All(Expected.Keys, name => Assert.True(File.Exists(Path.Combine(Fixtures.PublicDir, name)), name));
    }
}
