using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// Who or where, as an allowlist entry would name it: <see cref="EntryValue"/> is the narrowest entry that covers
/// every read of this subject, or null with <see cref="NotSuggestable"/> saying why no entry should.
/// </summary>
/// <param name="Key">Groups reads: the entry value, or the label when there is none.</param>
/// <param name="Label">How reports name it.</param>
public sealed record Subject(string Key, string Label, string? EntryValue, string? NotSuggestable);

/// <summary>Maps a principal and a source to the entry forms <see cref="PrincipalPattern"/> and <see cref="SourcePattern"/> accept.</summary>
public static class Subjects
{
    /// <summary>
    /// Assumed-role sessions → the role ARN (every session of the role, not one session); IAM users → the user ARN;
    /// AWS services → the service name; Root, anonymous and whole accounts are never suggested.
    /// </summary>
    public static Subject Principal(Principal principal)
    {
        switch (principal.Type)
        {
            case IdentityTypes.Root:
                return Unsuggestable(principal, "the Root user: never trusted by a generated entry (give the work a role, or add an entry by hand)");
            case IdentityTypes.AwsAccount when principal.Name == "anonymous":
                return Unsuggestable(principal, "an anonymous (unsigned) request: no entry names it (make the object private instead)");
            case IdentityTypes.AwsAccount:
                return Unsuggestable(principal, "a whole account: only an account entry could name it, and that trusts every principal of the account");
            case IdentityTypes.Unknown:
                return Unsuggestable(principal, "CloudTrail did not say who it was");
            case IdentityTypes.AwsService:
                return Named(principal, principal.Name);
            case IdentityTypes.IamUser:
                return principal.Arn is { } user ? Named(principal, user) : ByName(principal, "the record holds no user ARN");
            default:
                // AssumedRole and the federated kinds: the IAM role or user behind the session, never the session.
                return principal.IssuerArn is { } issuer && (issuer.Contains(":role/", StringComparison.Ordinal) || issuer.Contains(":user/", StringComparison.Ordinal))
                    ? Named(principal, issuer)
                    : ByName(principal, "the record names no IAM role or user behind the session");
        }
    }

    /// <summary>
    /// No ARN to name (SAML, web identity and Identity Center users; trimmed records): the entity name, which an entry
    /// matches in the logging account only. Else not suggestable, for <paramref name="why"/>.
    /// </summary>
    private static Subject ByName(Principal principal, string why) =>
        PrincipalPattern.TryCreate(principal.Name, out _) is not null
            ? new Subject("principal:" + principal.Type + ":" + principal.Name, principal.Label, principal.Name, null)
            : Unsuggestable(principal, why);

    /// <summary>
    /// A VPC endpoint when the read came through one (private addresses behind it change with every instance);
    /// else the exact IP, the service name or "AWS Internal". Empty and unrecognised sources are never suggested.
    /// </summary>
    public static Subject Source(SourceAddress source)
    {
        if (source.VpcEndpointId is { } endpoint)
            return Checked(source, endpoint);
        return source.Kind switch
        {
            SourceKind.Ip or SourceKind.ServiceName or SourceKind.AwsInternal => Checked(source, source.Value),
            SourceKind.Empty => new Subject("source:(empty)", source.Label, null, "no source address was logged"),
            _ => new Subject("source:" + source.Value, source.Label, null, "the source is not an address, VPC endpoint or service name"),
        };
    }

    private static Subject Named(Principal principal, string value)
    {
        // A role path may hold * or ?, which an ARN entry would read as wildcards: such an entry would trust more.
        if (value.Contains('*', StringComparison.Ordinal) || value.Contains('?', StringComparison.Ordinal))
            return Unsuggestable(principal, "its ARN holds * or ?, which an entry would read as a wildcard");
        // An ARN no entry accepts (re-serialised records hold malformed account IDs): the name, as when none was logged.
        return PrincipalPattern.TryCreate(value, out var error) is null
            ? ByName(principal, "no valid entry names it: " + error)
            : new Subject("principal:" + value, value, value, null);
    }

    private static Subject Unsuggestable(Principal principal, string why) =>
        new("principal:" + principal.Type + ":" + principal.DedupIdentity, principal.Label, null, why);

    private static Subject Checked(SourceAddress source, string value) =>
        SourcePattern.TryCreate(value, out var error) is null
            ? new Subject("source:" + source.Label, source.Label, null, "no valid entry names it: " + error)
            : new Subject("source:" + value, value, value, null);
}
