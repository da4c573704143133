using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>An untrusted read of a sensitive object, before dedup decides whether it is news.</summary>
/// <param name="AccountAlias">The user's name for the read's account, if any: shown in alerts, never part of a key.</param>
public sealed record AlertCandidate(S3Access Access, Classification Classification, string TrustReason, string? AccountAlias = null)
{
    /// <summary>"111122223333 (prod-data)", the bare ID, or null when the record names no account.</summary>
    public string? AccountLabel => Config.AccountId.Label(Access.Account, AccountAlias);

    /// <summary>The rule's level, one lower when the request failed.</summary>
    public SensitivityLevel Severity => Access.Failed ? Classification.Level.Lowered() : Classification.Level;

    /// <summary>Why this is an alert: what was not trusted, what matched, and a failed outcome.</summary>
    public IReadOnlyList<string> Reasons
    {
        get
        {
            var reasons = new List<string>(TrustReason.Split("; "))
            {
                AccessEvaluator.MatchReason(Classification),
            };
            if (Access.Failed)
                reasons.Add($"request failed ({Access.ErrorCode}): severity lowered one level");
            return reasons;
        }
    }

    /// <summary>The reasons joined for a verdict line.</summary>
    public string Reason => string.Join("; ", Reasons);

    /// <summary>
    /// What makes reads one burst: account, principal, source, bucket and outcome. The account comes first: two
    /// accounts' roles of one name reading buckets of one name (possible across partitions) are two bursts. A harvest of a whole bucket is one burst;
    /// past the burst limit its further objects are counted on the burst's first alert instead of alerting each.
    /// </summary>
    public string BurstKey =>
        string.Join('\u001f', Access.Account ?? "", Access.Principal.DedupIdentity, Access.Source.Value, Access.Source.VpcEndpointId ?? "",
            Access.ReadObject.Bucket, Access.Failed ? "failed" : "succeeded");

    /// <summary>
    /// What makes two reads "the same access" for dedup: account, principal, source, bucket, key and whether it succeeded,
    /// so a successful read after a refused attempt alerts instead of passing as a repeat of the refusal.
    /// </summary>
    public string AccessKey
    {
        get
        {
            var read = Access.ReadObject;
            return string.Join('\u001f', Access.Account ?? "", Access.Principal.DedupIdentity, Access.Source.Value, Access.Source.VpcEndpointId ?? "", read.Bucket, read.Key,
                Access.Failed ? "failed" : "succeeded");
        }
    }
}
