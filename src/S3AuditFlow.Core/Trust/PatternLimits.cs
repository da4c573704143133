namespace S3AuditFlow.Core.Trust;

/// <summary>
/// How large a wildcard pattern (an ARN pattern or a glob) may be. The matchers take time proportional to the
/// text's length times the pattern's, whatever its wildcards, so bounding the length bounds the work per match too.
/// </summary>
public static class PatternLimits
{
    /// <summary>
    /// The longest pattern accepted: an S3 key is at most 1,024 bytes and an IAM role ARN under 700 characters
    /// (512 of path, 64 of name), so a longer pattern is a mistake or an attack, not a real entry.
    /// </summary>
    public const int MaxLength = 1024;

    /// <summary>Why a pattern is out of bounds, or null when it is not.</summary>
    public static string? Check(string pattern) =>
        pattern.Length > MaxLength ? "pattern longer than 1,024 characters" : null;
}
