using System.Text.Json.Serialization;

namespace S3AuditFlow.Core.Events;

/// <summary>Who made a request, resolved from any CloudTrail userIdentity type without throwing.</summary>
/// <param name="Type">The userIdentity type as logged (IAMUser, AssumedRole, ...; "Unknown" when absent).</param>
/// <param name="Name">The entity name allowlists match: see <see cref="IdentityResolver"/> for each type.</param>
/// <param name="Arn">The caller's ARN (for AssumedRole the STS session ARN), when logged.</param>
/// <param name="IssuerArn">The session issuer's ARN (the IAM role or user behind a session), when logged.</param>
/// <param name="AccountId">The account that owns the principal ("anonymous" for unauthenticated requests).</param>
/// <param name="AccessKeyId">The access key used, when logged.</param>
/// <param name="SessionName">The role session name (for SSO roles usually the person's e-mail), when known.</param>
public sealed record Principal(
    string Type,
    string Name,
    string? Arn,
    string? IssuerArn,
    string? AccountId,
    string? AccessKeyId,
    string? SessionName)
{
    /// <summary>Short readable form for reasons and reports, e.g. "role/etl" or "user/alice".</summary>
    [JsonIgnore]
    public string Label => Type switch
    {
        IdentityTypes.IamUser => "user/" + Name,
        IdentityTypes.AssumedRole => "role/" + Name,
        IdentityTypes.FederatedUser => "federated-user/" + Name,
        IdentityTypes.Root => "root/" + (AccountId ?? Name),
        IdentityTypes.AwsAccount => Name == "anonymous" ? "anonymous" : "account/" + Name,
        IdentityTypes.AwsService => "service/" + Name,
        IdentityTypes.IdentityCenterUser => "identity-center-user/" + Name,
        IdentityTypes.WebIdentityUser => "web-identity-user/" + Name,
        IdentityTypes.SamlUser => "saml-user/" + Name,
        _ => Type.ToLowerInvariant() + "/" + Name,
    };

    /// <summary>A stable identity for dedup: the most specific identifier available.</summary>
    [JsonIgnore]
    public string DedupIdentity => IssuerArn ?? Arn ?? Type + ":" + (AccountId ?? "") + ":" + Name;
}

/// <summary>The userIdentity type strings CloudTrail logs.</summary>
public static class IdentityTypes
{
    /// <summary>An IAM user, including console sessions.</summary>
    public const string IamUser = "IAMUser";
    /// <summary>Temporary credentials from sts:AssumeRole (instance profiles, Lambda, SSO roles).</summary>
    public const string AssumedRole = "AssumedRole";
    /// <summary>Temporary credentials from sts:GetFederationToken.</summary>
    public const string FederatedUser = "FederatedUser";
    /// <summary>The account root user.</summary>
    public const string Root = "Root";
    /// <summary>Another account (cross-account) or "anonymous".</summary>
    public const string AwsAccount = "AWSAccount";
    /// <summary>An AWS service acting with its own credentials.</summary>
    public const string AwsService = "AWSService";
    /// <summary>An IAM Identity Center user (identity-enhanced session).</summary>
    public const string IdentityCenterUser = "IdentityCenterUser";
    /// <summary>sts:AssumeRoleWithWebIdentity.</summary>
    public const string WebIdentityUser = "WebIdentityUser";
    /// <summary>sts:AssumeRoleWithSAML.</summary>
    public const string SamlUser = "SAMLUser";
    /// <summary>CloudTrail could not tell, or userIdentity was absent.</summary>
    public const string Unknown = "Unknown";
}
