using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Sensitivity;

/// <summary>The highest-level rule that matched, and which object it matched.</summary>
public sealed record Classification(SensitivityLevel Level, SensitivityRule Rule, ObjectRef Object)
{
    /// <summary>"keyword \"cardholder\" (critical)".</summary>
    public string Describe() => $"{Rule.Describe()} ({Level.Name()})";
}

/// <summary>Classifies the objects an access touches: the object read and, for copies, the destination too.</summary>
public sealed class SensitivityClassifier
{
    private readonly List<(SensitivityRule Rule, Func<string, bool> Matches)> _rules = [];

    /// <summary>Every rule, in the order given.</summary>
    public IReadOnlyList<SensitivityRule> Rules { get; }

    private SensitivityClassifier(IReadOnlyList<SensitivityRule> rules) => Rules = rules;

    /// <summary>Compiles rules; returns the ones that do not compile with the reason.</summary>
    public static SensitivityClassifier Build(IEnumerable<SensitivityRule> rules, out List<(SensitivityRule Rule, string Error)> invalid)
    {
        invalid = [];
        var valid = new List<SensitivityRule>();
        var classifier = new SensitivityClassifier(valid);
        foreach (var rule in rules)
        {
            if (Validate(rule) is { } error)
            {
                invalid.Add((rule, error));
                continue;
            }
            Func<string, bool> matches = rule.Kind switch
            {
                RuleKind.Keyword => key => key.Contains(rule.Value, StringComparison.OrdinalIgnoreCase),
                RuleKind.Prefix => key => key.StartsWith(rule.Value, StringComparison.Ordinal),
                _ => Glob.Compile(rule.Value).IsMatch,
            };
            classifier._rules.Add((rule, matches));
            valid.Add(rule);
        }
        return classifier;
    }

    /// <summary>
    /// Why a rule cannot be used, or null when it can: the reason <see cref="Build"/> gives for leaving it out, for
    /// callers that check one rule alone (config load naming its place in the file, table items).
    /// </summary>
    public static string? Validate(SensitivityRule rule)
    {
        if (rule.Value.Length == 0)
            return "empty value";
        if (!Enum.IsDefined(rule.Level))
            return "unknown level";
        return rule.Kind == RuleKind.Glob ? PatternLimits.Check(rule.Value) : null;
    }

    /// <summary>The highest level over every object the access touches, or null when no rule matches.</summary>
    public Classification? Classify(S3Access access)
    {
        // Both objects are judged in the read's account (the account the record was logged for): a copy's
        // destination has no account of its own in the record.
        var best = Classify(access.ReadObject, access.Account);
        if (access.CopyDestination is { } destination && Classify(destination, access.Account) is { } other && (best is null || other.Level > best.Level))
            best = other;
        return best;
    }

    /// <summary>The highest-level rule matching one object read in <paramref name="account"/> (null: unknown, so only rules of any account apply); the first such rule wins ties.</summary>
    public Classification? Classify(ObjectRef target, string? account = null)
    {
        Classification? best = null;
        foreach (var (rule, matches) in _rules)
        {
            if (rule.AppliesTo(account, target.Bucket) && (best is null || rule.Level > best.Level) && matches(target.Key))
                best = new Classification(rule.Level, rule, target);
        }
        return best;
    }
}
