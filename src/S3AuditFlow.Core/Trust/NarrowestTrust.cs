using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Trust;

/// <summary>
/// The narrowest allowlist values that trust one access: the principal as its role (every session of it, not the one
/// session), user, service or calling account (its entity name when no ARN was logged), and the source as its VPC endpoint, exact IP, service name or
/// "AWS Internal". Null with a refusal where no entry should be written on one click (Root, anonymous, unknown).
/// </summary>
public sealed record NarrowestTrust(string? Principal, string? Source, string? Refusal)
{
    /// <summary>The values for <paramref name="access"/>.</summary>
    public static NarrowestTrust For(S3Access access)
    {
        var principal = PrincipalValue(access.Principal, out var principalRefusal);
        var source = SourceValue(access.Source, out var sourceRefusal);
        var refusal = principalRefusal ?? sourceRefusal;
        return refusal is null ? new NarrowestTrust(principal, source, null) : new NarrowestTrust(null, null, refusal);
    }

    /// <summary>True when both values exist.</summary>
    public bool CanTrust => Refusal is null;

    private static string? PrincipalValue(Principal principal, out string? refusal)
    {
        refusal = null;
        switch (principal.Type)
        {
            case IdentityTypes.Root:
                refusal = "the root user: trusting it by a click would hide the use of the account's most powerful credentials; add an entry by hand if it is really routine";
                return null;
            case IdentityTypes.AwsAccount when principal.Name == "anonymous":
                refusal = "an anonymous request: no allowlist entry names it; make the object private instead";
                return null;
            case IdentityTypes.AwsAccount:
                return principal.AccountId ?? principal.Name;
            case IdentityTypes.AwsService:
                return principal.Name;
            case IdentityTypes.Unknown:
                refusal = "an unknown principal: CloudTrail did not say who made the request";
                return null;
        }
        // A role ARN trusts every session of the role; the session ARN would trust one session only (useless
        // tomorrow), and the name alone would trust a namesake in the logging account too.
        var arn = principal.IssuerArn ?? principal.Arn;
        if (arn is not null && PrincipalPattern.TryCreate(arn, out _) is not null)
            return arn;
        // No ARN logged (SAML, web identity, Identity Center users, trimmed records): the entity name, which trusts
        // that name in the logging account only.
        if (PrincipalPattern.TryCreate(principal.Name, out _) is not null)
            return principal.Name;
        refusal = $"{principal.Label} has neither an ARN nor a name an allowlist entry can hold";
        return null;
    }

    private static string? SourceValue(SourceAddress source, out string? refusal)
    {
        refusal = null;
        // Through a VPC endpoint the IP is a private address that any VPC may reuse: the endpoint is the narrower name.
        if (source.VpcEndpointId is { } endpoint && SourcePattern.TryCreate(endpoint, out _) is not null)
            return endpoint;
        if (source.Kind is SourceKind.Ip or SourceKind.ServiceName or SourceKind.AwsInternal && SourcePattern.TryCreate(source.Value, out _) is not null)
            return source.Value;
        refusal = $"the source \"{source.Label}\" is not an address, VPC endpoint or service an allowlist entry can name";
        return null;
    }
}
