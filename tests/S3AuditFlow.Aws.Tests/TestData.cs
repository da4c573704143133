using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws.Tests;

/// <summary>Builds the records the stores judge directly, so each test names only what it varies.</summary>
internal static class TestData
{
    public const string Account = "111122223333";
    public const string Bucket = "payments";
    public const string SensitiveKey = "exports/cardholder-2025-03.csv";

    /// <summary>A fixed event time; dedup windows and expiry are judged on event time, not the clock.</summary>
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The IAM role that the allowlist tests trust (matched by its role ARN through the session issuer).</summary>
    public static string RoleArn(string name = "etl") => $"arn:aws:iam::{Account}:role/{name}";

    /// <summary>A session of an IAM role, as CloudTrail logs AssumedRole identities.</summary>
    public static Principal Role(string name = "etl") => new(
        IdentityTypes.AssumedRole,
        name,
        $"arn:aws:sts::{Account}:assumed-role/{name}/session-1",
        RoleArn(name),
        Account,
        "ASIAEXAMPLEKEY",
        "session-1");

    /// <summary>A GetObject of a cardholder export by role etl from 10.1.2.3 at T0 unless told otherwise.</summary>
    public static S3Access Access(
        string eventId = "event-1",
        DateTimeOffset? time = null,
        string bucket = Bucket,
        string key = SensitiveKey,
        Principal? principal = null,
        string sourceIp = "10.1.2.3",
        string? vpcEndpoint = null) =>
        new(eventId, time ?? T0, "GetObject", bucket, key, null, principal ?? Role(),
            SourceAddress.From(sourceIp, vpcEndpoint, "aws-cli/2.15"), null, null, "us-east-1", Account, 2048);

    /// <summary>An untrusted read of <paramref name="access"/> classified by a keyword rule of <paramref name="level"/>.</summary>
    public static AlertCandidate Candidate(S3Access access, SensitivityLevel level = SensitivityLevel.Critical)
    {
        var rule = new SensitivityRule(RuleKind.Keyword, "cardholder", level);
        return new AlertCandidate(access, new Classification(level, rule, access.ReadObject),
            $"principal {access.Principal.Label} not allowlisted; source {access.Source.Label} not allowlisted");
    }

    /// <summary>Compiles stored items as the Lambdas do: invalid ones skipped with a warning.</summary>
    public static AuditConfig Compile(RuleSet items, Action<string>? warn = null) =>
        AuditConfig.CreateSkippingInvalid(items, AuditConfig.DefaultMonitoredEvents, AuditConfig.DefaultDedupWindow, warn);
}
