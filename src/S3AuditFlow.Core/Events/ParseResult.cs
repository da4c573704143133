using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Events;

/// <summary>What parsing one record gave: an access to judge, or a final verdict (ignored, not-monitored, malformed).</summary>
public sealed record ParseResult(S3Access? Access, Verdict? Final, string Reason, string? EventId)
{
    /// <summary>A monitored S3 object read, to be judged further.</summary>
    public static ParseResult Applicable(S3Access access) => new(access, null, "", access.EventId);

    /// <summary>A final verdict reached while parsing.</summary>
    public static ParseResult Done(Verdict verdict, string reason, string? eventId) => new(null, verdict, reason, eventId);
}
