using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Trust;

/// <summary>A compiled principal entry: an entity name (seed style), an ARN, an ARN with wildcards, or an account ID.</summary>
public abstract class PrincipalPattern
{
    /// <summary>True when the principal is the one this entry names.</summary>
    /// <param name="homeAccount">The account whose trail logged the event (recipientAccountId), when known.</param>
    public abstract bool Matches(Principal principal, string? homeAccount);

    /// <summary>Compiles an entry value, or says why it is not one.</summary>
    public static PrincipalPattern? TryCreate(string value, out string? error)
    {
        error = null;
        var text = value.Trim();
        if (text.Length == 0)
        {
            error = "empty principal";
            return null;
        }
        if (text.Length == 12 && text.All(char.IsAsciiDigit))
            return new Account(text);
        if (text.StartsWith("arn:", StringComparison.Ordinal))
            return ArnPattern.Compile(text, out error);
        if (text.Contains(':', StringComparison.Ordinal) || text.Contains('*', StringComparison.Ordinal) || text.Any(char.IsWhiteSpace))
        {
            error = "not an entity name, ARN (arn:…), ARN pattern or 12-digit account ID";
            return null;
        }
        return new EntityName(text);
    }

    private sealed class Account(string accountId) : PrincipalPattern
    {
        public override bool Matches(Principal principal, string? homeAccount) => principal.AccountId == accountId;
    }

    /// <summary>
    /// Matches named identities only. Root, AWSAccount (incl. anonymous) and Unknown get made-up names ("root",
    /// "anonymous", "unknown", an account ID); an IAM user literally called "root" must not trust the root user.
    /// A name means the role or user of the logging account: a namesake in another account needs its ARN.
    /// </summary>
    private sealed class EntityName(string name) : PrincipalPattern
    {
        private static readonly HashSet<string> UnnamedTypes = new(StringComparer.Ordinal) { IdentityTypes.Root, IdentityTypes.AwsAccount, IdentityTypes.Unknown };

        public override bool Matches(Principal principal, string? homeAccount) =>
            !UnnamedTypes.Contains(principal.Type) && string.Equals(principal.Name, name, StringComparison.Ordinal)
            && (homeAccount is null || principal.AccountId is null || principal.AccountId == homeAccount);
    }

    /// <summary>
    /// Matches the caller's ARN or its session issuer's (so a role ARN trusts every session of the role). Kept as its
    /// text and matched by <see cref="Wildcard"/>: hundreds of entries must fit a 512 MB function.
    /// </summary>
    private sealed class ArnPattern(string pattern) : PrincipalPattern
    {
        private static readonly HashSet<string> Partitions = new(StringComparer.Ordinal) { "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "*" };

        public override bool Matches(Principal principal, string? homeAccount) =>
            (principal.Arn is { } arn && Wildcard.IsMatch(pattern, arn)) || (principal.IssuerArn is { } issuer && Wildcard.IsMatch(pattern, issuer));

        public static ArnPattern? Compile(string text, out string? error)
        {
            error = PatternLimits.Check(text);
            if (error is not null)
                return null;
            var fields = text.Split(':', 6);
            if (fields.Length != 6 || fields[5].Length == 0)
                error = "malformed ARN pattern: expected arn:partition:service:region:account:resource";
            else if (!Partitions.Contains(fields[1]))
                error = $"malformed ARN pattern: unknown partition \"{fields[1]}\"";
            else if (fields[2] is not ("iam" or "sts" or "*"))
                error = $"malformed ARN pattern: service \"{fields[2]}\" names no principal (use iam or sts)";
            else if (fields[4].Length > 0 && fields[4] != "*" && !(fields[4].Length == 12 && fields[4].All(char.IsAsciiDigit)))
                error = $"malformed ARN pattern: account \"{fields[4]}\" is not 12 digits or *";
            return error is null ? new ArnPattern(text) : null;
        }
    }
}
