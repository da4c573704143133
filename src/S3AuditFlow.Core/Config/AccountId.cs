namespace S3AuditFlow.Core.Config;

/// <summary>
/// The account IDs a config file, a table item and `s3audit allowlist --account` accept: one rule for all of them, so
/// a scope one of them writes is never refused (or silently skipped) by another.
/// </summary>
public static class AccountId
{
    /// <summary>What a valid ID looks like, for error messages.</summary>
    public const string Rule = "12 digits";

    /// <summary>True for a 12-digit AWS account ID.</summary>
    public static bool IsValid(string? id) => id is { Length: 12 } && id.All(char.IsAsciiDigit);

    /// <summary>"111122223333 (prod-data)" when the account has an alias, else the bare ID; null when the account is unknown.</summary>
    public static string? Label(string? id, string? alias) =>
        id is null ? null : alias is null ? id : $"{id} ({alias})";
}
