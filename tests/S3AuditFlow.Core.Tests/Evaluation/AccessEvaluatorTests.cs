using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Evaluation;

public class AccessEvaluatorTests
{
    private readonly AccessEvaluator _evaluator = new(AuditConfig.Create(
        [new AllowlistEntry(EntryKind.Source, "54.177.149.226"), new AllowlistEntry(EntryKind.Principal, "etl")],
        [new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical), new SensitivityRule(RuleKind.Prefix, "logs/", SensitivityLevel.Low)]));

    private EvaluationResult Evaluate(string fixture) => _evaluator.Evaluate(Fixtures.Element(fixture));

    [Fact]
    public void TrustedAccessIsAllowlistedEvenWhenSensitive()
    {
        var evaluation = Evaluate("record-GetObject-assumed-role.json");

        Assert.Equal(
            new EvaluationResult(Verdict.Allowlisted, "principal role/etl and source 54.177.149.226 allowlisted", "a3d9e1f0-52b7-4c8e-8f16-7b0c9d2e4a35", null),
            evaluation);
    }

    [Fact]
    public void UntrustedAccessToAnInsensitiveObjectIsNotSensitive()
    {
        var evaluation = _evaluator.Evaluate(Accesses.Read(key: "public/readme.md", principal: Accesses.User("alice")));

        Assert.Equal(Verdict.NotSensitive, evaluation.Final);
        Assert.Equal("no sensitivity rule matches finance/public/readme.md", evaluation.Reason);
        Assert.Null(evaluation.Candidate);
    }

    [Fact]
    public void InsensitiveCopyNamesBothObjects()
    {
        var copy = Accesses.Read(bucket: "scratch", key: "b.txt", copySource: new ObjectRef("finance", "a.txt"), principal: Accesses.User("alice"));

        Assert.Equal("no sensitivity rule matches finance/a.txt or scratch/b.txt", _evaluator.Evaluate(copy).Reason);
    }

    [Fact]
    public void UntrustedSensitiveReadIsACandidate()
    {
        var evaluation = Evaluate("record-GetObject-iamuser.json");

        Assert.Null(evaluation.Final);
        Assert.Equal("6f1c2a7e-3b58-4d0e-9a41-5c7d2e8b9f01", evaluation.EventId);
        var candidate = Assert.IsType<AlertCandidate>(evaluation.Candidate);
        Assert.Equal(SensitivityLevel.Critical, candidate.Severity);
        Assert.Equal(
            [
                "principal user/alice not allowlisted",
                "source 198.51.100.23 not allowlisted",
                "acme-finance-exports/exports/2024/cardholder-data.csv matches keyword \"cardholder\" (critical)",
            ],
            candidate.Reasons);
        Assert.Equal(string.Join("; ", candidate.Reasons), candidate.Reason);
    }

    [Fact]
    public void TrustedPrincipalFromAnotherSourceIsACandidate()
    {
        var evaluation = Evaluate("record-GetObject-ipv6.json");

        Assert.Equal(["source 2001:db8:4006:812::200e not allowlisted"], evaluation.Candidate!.Reasons.Take(1));
    }

    [Fact]
    public void FailedRequestIsACandidateOneLevelLower()
    {
        var evaluation = Evaluate("record-GetObject-access-denied.json");

        var candidate = Assert.IsType<AlertCandidate>(evaluation.Candidate);
        Assert.Equal(SensitivityLevel.Critical, candidate.Classification.Level);
        Assert.Equal(SensitivityLevel.High, candidate.Severity);
        Assert.Equal("failed: AccessDenied", candidate.Access.Outcome);
        Assert.Equal("request failed (AccessDenied): severity lowered one level", candidate.Reasons[^1]);
    }

    [Fact]
    public void FailedRequestAtLowStaysLow()
    {
        var access = Accesses.Read(key: "logs/app.log", principal: Accesses.User("alice"), errorCode: "AccessDenied");

        Assert.Equal(SensitivityLevel.Low, _evaluator.Evaluate(access).Candidate!.Severity);
    }

    [Fact]
    public void EventBridgeEventIsEvaluatedLikeItsRecord()
    {
        var evaluation = Evaluate("eventbridge-GetObject-sso-role.json");

        Assert.Null(evaluation.Candidate);
        Assert.Equal(Verdict.NotSensitive, evaluation.Final);
        Assert.Equal("c2f4a6b8-1d3e-4f50-9a7b-8c9d0e1f2a3b", evaluation.EventId);
    }

    [Theory]
    [InlineData("public/NEGATIVE_aws-lambda-dotnet_native-eventbridge_s3-ObjectCreated.json", Verdict.Ignored)]
    [InlineData("public/thm-aoc2024-day7_IAMUser-console_ListObjects_vpce.json", Verdict.NotMonitored)]
    [InlineData("public/stratus_aws.impact.s3-ransomware-client-side-encryption_CopyObject-SSE-C_shortened.json", Verdict.Malformed)]
    public void ParserVerdictsPassThrough(string fixture, Verdict verdict)
    {
        var evaluation = Evaluate(fixture);

        Assert.Equal(verdict, evaluation.Final);
        Assert.Null(evaluation.Candidate);
        Assert.NotEmpty(evaluation.Reason);
    }
}
