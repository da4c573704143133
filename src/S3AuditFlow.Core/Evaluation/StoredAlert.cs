using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>
/// An alert as the dedup table keeps it for `s3audit alerts`: what it said when it was raised, how often its access
/// repeated since, and how many objects its harvest counted.
/// </summary>
public sealed record StoredAlert(
    string EventId,
    DateTimeOffset EventTime,
    string EventName,
    string Principal,
    string? PrincipalArn,
    string Source,
    string Bucket,
    string Key,
    string? Account,
    string? Region,
    string Outcome,
    SensitivityLevel Severity,
    IReadOnlyList<string> Reasons,
    string? TrustPrincipal,
    string? TrustSource,
    string? TrustRefusal)
{
    /// <summary>Later reads of the same access within its window (counted on this alert).</summary>
    public long Repeats { get; init; }

    /// <summary>Objects of the harvest this alert opened, or 0 when it opened none (or it is no longer known).</summary>
    public long HarvestObjects { get; init; }
}
