namespace S3AuditFlow.Core.Trust;

/// <summary>Which half of the trust rule an entry speaks for.</summary>
public enum EntryKind
{
    /// <summary>Where a request may come from: IP, CIDR, VPC endpoint ID or AWS service name.</summary>
    Source,
    /// <summary>Who may make it: entity name, ARN, ARN pattern or account ID.</summary>
    Principal,
}

/// <summary>One allowlist entry, as written in a config file or a DynamoDB item.</summary>
/// <param name="Bucket">Null for a global entry, else the only bucket whose reads it trusts.</param>
/// <param name="Expires">After this instant (compared with the event's time) the entry no longer trusts.</param>
/// <param name="Account">Null for any account, else the only account (12 digits) whose reads it trusts: the read's
/// <see cref="Events.S3Access.Account"/>.</param>
public sealed record AllowlistEntry(
    EntryKind Kind,
    string Value,
    string? Bucket = null,
    DateTimeOffset? Expires = null,
    string? Note = null,
    string? AddedBy = null,
    DateTimeOffset? AddedAt = null,
    string? Account = null)
{
    /// <summary>True when the entry applies to a read of <paramref name="bucket"/> logged for <paramref name="account"/>.</summary>
    public bool AppliesTo(string? account, string bucket) => new Config.ConfigScope(Account, Bucket).AppliesTo(account, bucket);

    /// <summary>True when the entry has expired at <paramref name="time"/>.</summary>
    public bool IsExpiredAt(DateTimeOffset time) => Expires is { } expires && time >= expires;

    /// <summary>"source 10.0.0.0/8 (account 111122223333, bucket b)" — how the entry is named in messages.</summary>
    public string Describe()
    {
        var scope = new Config.ConfigScope(Account, Bucket);
        return (Kind == EntryKind.Source ? "source " : "principal ") + Value + (scope.IsGlobal ? "" : " (" + scope.Describe() + ")");
    }
}
