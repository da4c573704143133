using S3AuditFlow.Core.Dedup;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>What claiming an event ID gave this attempt.</summary>
internal abstract record EventClaim
{
    /// <summary>This attempt judges the event. <paramref name="Retry"/>: an earlier attempt of the same execution began it.</summary>
    public sealed record Won(bool Retry) : EventClaim;

    /// <summary>An earlier attempt of this execution decided it: the same decision again, nothing re-counted.</summary>
    public sealed record AlreadyDecided(DedupDecision Decision) : EventClaim;

    /// <summary>Another execution holds the event ID: this delivery is a duplicate.</summary>
    public sealed record HeldElsewhere(DedupDecision Decision) : EventClaim;
}

/// <summary>The states of an event item (<c>status</c>); see <see cref="EventClaims"/>.</summary>
internal enum ClaimStatus
{
    Claimed,
    Decided,
    Released,
}
