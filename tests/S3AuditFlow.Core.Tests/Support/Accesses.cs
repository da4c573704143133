using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Tests.Support;

/// <summary>Builds accesses directly, for tests that vary one field at a time.</summary>
internal static class Accesses
{
    public const string Account = "111122223333";

    public static readonly DateTimeOffset T0 = new(2024, 11, 5, 14, 0, 0, TimeSpan.Zero);

    public static Principal Role(string name, string session = "session-1", string account = Account) =>
        new(IdentityTypes.AssumedRole, name, $"arn:aws:sts::{account}:assumed-role/{name}/{session}",
            $"arn:aws:iam::{account}:role/{name}", account, "ASIAQX7EXAMPLE3ROLE1", session);

    public static Principal User(string name, string account = Account) =>
        new(IdentityTypes.IamUser, name, $"arn:aws:iam::{account}:user/{name}", null, account, "AKIAQX7EXAMPLEALICE1", null);

    public static SourceAddress From(string? raw, string? vpce = null) => SourceAddress.From(raw, vpce, "aws-cli/2.17.60");

    public static S3Access Read(
        string key = "exports/cardholder.csv",
        string bucket = "finance",
        Principal? principal = null,
        SourceAddress? source = null,
        DateTimeOffset? time = null,
        string eventId = "evt-1",
        string? errorCode = null,
        ObjectRef? copySource = null) =>
        new(eventId, time ?? T0, copySource is null ? "GetObject" : "CopyObject", bucket, key, copySource,
            principal ?? Role("etl"), source ?? From("54.177.149.226"), errorCode, errorCode is null ? null : "Access Denied",
            "eu-west-1", Account, null);

    public static AlertCandidate Candidate(S3Access access, SensitivityLevel level = SensitivityLevel.High)
    {
        var rule = new SensitivityRule(RuleKind.Keyword, "cardholder", level);
        return new AlertCandidate(access, new Classification(level, rule, access.ReadObject), "principal role/etl not allowlisted");
    }
}
