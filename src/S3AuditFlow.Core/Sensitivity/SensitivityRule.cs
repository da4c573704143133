namespace S3AuditFlow.Core.Sensitivity;

/// <summary>How sensitive an object is; an alert's severity is the level of the rule that matched.</summary>
public enum SensitivityLevel
{
    /// <summary>Worth knowing.</summary>
    Low = 1,
    /// <summary>Worth a look today.</summary>
    Medium = 2,
    /// <summary>The default level of a rule.</summary>
    High = 3,
    /// <summary>Act now.</summary>
    Critical = 4,
}

/// <summary>How a rule matches an object key.</summary>
public enum RuleKind
{
    /// <summary>Case-insensitive substring of the key (the seed's rule, made case-insensitive).</summary>
    Keyword,
    /// <summary>The key starts with the value (case-sensitive, as S3 keys are).</summary>
    Prefix,
    /// <summary>Glob over the whole key: * within one path segment, ** across segments, ? one character.</summary>
    Glob,
}

/// <summary>One sensitivity rule, as written in a config file or a DynamoDB item.</summary>
/// <param name="Account">Null for any account, else the only account (12 digits) whose reads it classifies.</param>
public sealed record SensitivityRule(
    RuleKind Kind,
    string Value,
    SensitivityLevel Level = SensitivityLevel.High,
    string? Bucket = null,
    string? Note = null,
    string? AddedBy = null,
    DateTimeOffset? AddedAt = null,
    string? Account = null)
{
    /// <summary>"keyword \"cardholder\"" — how the rule is named in reasons and alerts.</summary>
    public string Describe() =>
        $"{KindName(Kind)} \"{Value}\"" + (Account is null ? "" : " in account " + Account) + (Bucket is null ? "" : " in bucket " + Bucket);

    /// <summary>True when the rule applies to an object of <paramref name="bucket"/> read in <paramref name="account"/>.</summary>
    public bool AppliesTo(string? account, string bucket) => new Config.ConfigScope(Account, Bucket).AppliesTo(account, bucket);

    /// <summary>The kind's name in config files and items.</summary>
    public static string KindName(RuleKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>Level names as written in config: critical, high, medium, low.</summary>
public static class SensitivityLevels
{
    /// <summary>"critical", "high", ...</summary>
    public static string Name(this SensitivityLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>Parses a level name, case-insensitively.</summary>
    public static bool TryParse(string? text, out SensitivityLevel level)
    {
        level = SensitivityLevel.High;
        return ExactName(text, out level);
    }

    /// <summary>
    /// Parses an enum by its exact name, ignoring case. Enum.TryParse would also take numbers and
    /// comma-separated flags ("low,medium"), which mean something else than the user wrote.
    /// </summary>
    public static bool ExactName<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>One level lower, never below low: a refused attempt is worth an alert but less urgent than a read.</summary>
    public static SensitivityLevel Lowered(this SensitivityLevel level) =>
        level == SensitivityLevel.Low ? SensitivityLevel.Low : level - 1;
}
