using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Harvest;

/// <summary>
/// One harvest notification: a burst of one principal from one source on one bucket of one account reached <see cref="Threshold"/>
/// objects. Counts are as seen when the threshold was crossed; <see cref="HarvestId"/> is the event ID of the
/// harvest's first object, so every notification of one harvest carries the same ID.
/// </summary>
public sealed record HarvestNotice(
    string HarvestId,
    long Threshold,
    string Principal,
    string? PrincipalArn,
    string Source,
    string Bucket,
    string Outcome,
    long Objects,
    long Bytes,
    DateTimeOffset FirstTime,
    DateTimeOffset LastTime,
    SensitivityLevel HighestSensitivity,
    IReadOnlyList<string> SampleKeys,
    string? Account = null,
    string? AccountAlias = null)
{
    /// <summary>"111122223333 (prod-data)", the bare ID, or null when unknown.</summary>
    public string? AccountLabel => Config.AccountId.Label(Account, AccountAlias);

    /// <summary>Harvests are always critical: a whole bucket leaving is worse than any one object.</summary>
    public const string Severity = "critical";

    /// <summary>At most this many keys are shown.</summary>
    public const int MaxSampleKeys = 10;
}
