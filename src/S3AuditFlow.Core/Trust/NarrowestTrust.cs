using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Suggestions;

namespace S3AuditFlow.Core.Trust;

/// <summary>
/// The narrowest allowlist values that trust one access, as `allowlist suggest` names them (<see cref="Subjects"/>):
/// the principal as its role (every session of it, not the one session), user or service, by entity name when no ARN
/// was logged; the source as its VPC endpoint, exact IP, service name or "AWS Internal". Null with a refusal where no
/// entry should be written on one click (Root, anonymous, a whole account, unknown, an empty source).
/// </summary>
public sealed record NarrowestTrust(string? Principal, string? Source, string? Refusal)
{
    /// <summary>The values for <paramref name="access"/>.</summary>
    public static NarrowestTrust For(S3Access access)
    {
        var principal = Subjects.Principal(access.Principal);
        var source = Subjects.Source(access.Source);
        var refusal = principal.NotSuggestable is { } who ? $"{principal.Label}: {who}"
            : source.NotSuggestable is { } where ? $"source {source.Label}: {where}"
            : null;
        return refusal is null ? new NarrowestTrust(principal.EntryValue, source.EntryValue, null) : new NarrowestTrust(null, null, refusal);
    }

    /// <summary>True when both values exist.</summary>
    public bool CanTrust => Refusal is null;
}
