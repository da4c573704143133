using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>An untrusted read of a sensitive object, before dedup decides whether it is news.</summary>
public sealed record AlertCandidate(S3Access Access, Classification Classification, string TrustReason)
{
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
    /// What makes reads one burst: principal, source, bucket and outcome. A harvest of a whole bucket is one burst;
    /// past the burst limit its further objects are counted on the burst's first alert instead of alerting each.
    /// </summary>
    public string BurstKey =>
        string.Join('\u001f', Access.Principal.DedupIdentity, Access.Source.Value, Access.Source.VpcEndpointId ?? "", Access.ReadObject.Bucket,
            Access.Failed ? "failed" : "succeeded");

    /// <summary>
    /// What makes two reads "the same access" for dedup: principal, source, bucket, key and whether it succeeded,
    /// so a successful read after a refused attempt alerts instead of passing as a repeat of the refusal.
    /// </summary>
    public string AccessKey
    {
        get
        {
            var read = Access.ReadObject;
            return string.Join('\u001f', Access.Principal.DedupIdentity, Access.Source.Value, Access.Source.VpcEndpointId ?? "", read.Bucket, read.Key,
                Access.Failed ? "failed" : "succeeded");
        }
    }
}
