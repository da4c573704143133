using System.Text.Json;

namespace S3AuditFlow.Core.Events;

/// <summary>
/// Resolves any userIdentity into a <see cref="Principal"/>, never throwing: the seed crashed on a fifth of real
/// events because it assumed accessKeyId and sessionIssuer.
/// </summary>
/// <remarks>
/// Entity names (what seed-style allowlist entries match): IAMUser → userName; AssumedRole and FederatedUser → the
/// session issuer's userName (the role, or the IAM user that federated); Root → "root"; AWSAccount → the calling
/// account ID, or "anonymous"; AWSService → invokedBy; IdentityCenterUser → onBehalfOf.userId; WebIdentityUser,
/// SAMLUser and Unknown → userName, else principalId. Where the preferred field is missing the ARN is read instead.
/// </remarks>
public static class IdentityResolver
{
    /// <summary>Resolves a userIdentity object; a missing or non-object value gives an Unknown principal.</summary>
    public static Principal Resolve(JsonElement? userIdentity)
    {
        if (userIdentity is not { ValueKind: JsonValueKind.Object } identity)
            return new Principal(IdentityTypes.Unknown, "unknown", null, null, null, null, null);

        var type = identity.Text("type") ?? IdentityTypes.Unknown;
        var arn = identity.Text("arn");
        var accountId = identity.Text("accountId");
        var accessKeyId = identity.Text("accessKeyId");
        var userName = identity.Text("userName");
        var principalId = identity.Text("principalId");
        var issuer = identity.Object("sessionContext")?.Object("sessionIssuer");
        var issuerArn = issuer?.Text("arn");
        var issuerName = issuer?.Text("userName");

        var name = type switch
        {
            IdentityTypes.IamUser => userName ?? LastArnSegment(arn),
            IdentityTypes.AssumedRole => issuerName ?? AssumedRoleName(arn),
            IdentityTypes.FederatedUser => issuerName ?? LastArnSegment(arn),
            IdentityTypes.Root => "root",
            IdentityTypes.AwsAccount => accountId,
            IdentityTypes.AwsService => identity.Text("invokedBy"),
            IdentityTypes.IdentityCenterUser => identity.Object("onBehalfOf")?.Text("userId"),
            _ => userName,
        };
        name ??= principalId ?? LastArnSegment(arn) ?? "unknown";

        var sessionName = type == IdentityTypes.AssumedRole ? SessionName(arn) : null;
        return new Principal(type, name, arn, issuerArn, accountId, accessKeyId, sessionName);
    }

    // arn:aws:sts::123456789012:assumed-role/RoleName/SessionName → RoleName
    private static string? AssumedRoleName(string? arn)
    {
        var parts = ResourceParts(arn);
        return parts is { Length: >= 2 } && parts[0] == "assumed-role" ? parts[1] : null;
    }

    private static string? SessionName(string? arn)
    {
        var parts = ResourceParts(arn);
        return parts is { Length: >= 3 } && parts[0] == "assumed-role" ? string.Join('/', parts[2..]) : null;
    }

    private static string? LastArnSegment(string? arn)
    {
        var parts = ResourceParts(arn);
        return parts is { Length: >= 2 } ? parts[^1] : null;
    }

    private static string[]? ResourceParts(string? arn)
    {
        if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
            return null;
        var fields = arn.Split(':', 6);
        return fields.Length == 6 ? fields[5].Split('/') : null;
    }
}
