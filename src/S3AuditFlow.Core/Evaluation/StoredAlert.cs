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
    /// <summary>The user's name for <see cref="Account"/> when the alert was raised, if any.</summary>
    public string? AccountAlias { get; init; }

    /// <summary>"111122223333 (prod-data)", the bare ID, or null: how alerts name the account.</summary>
    public string? AccountLabel => Config.AccountId.Label(Account, AccountAlias);

    /// <summary>Later reads of the same access within its window (counted on this alert).</summary>
    public long Repeats { get; init; }

    /// <summary>
    /// Objects of the harvest this alert is part of (its principal, source and bucket, read without a window's pause),
    /// or 0 when the harvest item has moved on to a later harvest.
    /// </summary>
    public long HarvestObjects { get; init; }
}
