namespace S3AuditFlow.Core.Config;

/// <summary>
/// The bucket names a config file, a table item and `s3audit allowlist` accept — one rule for all of them, so an
/// item one of them writes is never refused (or silently skipped) by another.
/// </summary>
public static class BucketName
{
    /// <summary>What a valid name looks like, for error messages.</summary>
    public const string Rule = "3-63 lowercase letters, digits, dots, hyphens";

    /// <summary>True for a name S3 accepts for new buckets: 3-63 of a-z, 0-9, '.', '-'.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: >= 3 and <= 63 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-');
}
