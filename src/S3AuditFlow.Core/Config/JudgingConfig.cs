using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Config;

/// <summary>
/// The part of a config that judges one access — allowlist, sensitivity rules, access point map — without the
/// monitoring and dedup settings of <see cref="AuditConfig"/>, which the Check Allowlist and Classify Sensitivity
/// steps do not use and would otherwise have to fake.
/// </summary>
public sealed class JudgingConfig
{
    private readonly SensitivityClassifier _classifier;

    private JudgingConfig(Allowlist allowlist, SensitivityClassifier classifier, IReadOnlyList<string> unusableRules, AccessPointMap accessPoints, AccountAliases aliases)
    {
        AccountAliases = aliases;
        Allowlist = allowlist;
        _classifier = classifier;
        UnusableRules = unusableRules;
        AccessPoints = accessPoints;
    }

    /// <summary>Compiled allowlist.</summary>
    public Allowlist Allowlist { get; }

    /// <summary>Compiled sensitivity rules.</summary>
    /// <exception cref="UnusableRuleException">A stored rule could not be applied: classifying without it would detect less.</exception>
    public SensitivityClassifier Classifier => UnusableRules.Count == 0 ? _classifier : throw new UnusableRuleException(UnusableRules);

    /// <summary>The classifier whether or not rules are unusable, for a config that carries the list on.</summary>
    internal SensitivityClassifier UncheckedClassifier => _classifier;

    /// <summary>Stored rules (and access point mappings) that could not be applied, named with the reason; any makes <see cref="Classifier"/> throw.</summary>
    public IReadOnlyList<string> UnusableRules { get; }

    /// <summary>Account ID → alias, for naming accounts in alerts.</summary>
    public AccountAliases AccountAliases { get; }

    /// <summary>Access point → bucket, for copies whose source is an access point ARN.</summary>
    public AccessPointMap AccessPoints { get; }

    /// <summary>
    /// Builds the config from stored items. An entry that does not compile is skipped with a warning: skipping never
    /// widens trust. A rule or mapping that cannot be applied is kept in <see cref="UnusableRules"/> (rules fail closed).
    /// </summary>
    public static JudgingConfig FromItems(Stores.RuleSet items, Action<string>? warn)
    {
        var allowlist = Allowlist.Build(items.Entries, out var badEntries);
        foreach (var (entry, error) in badEntries)
            warn?.Invoke($"skipped {entry.Describe()}: {error}");
        var classifier = SensitivityClassifier.Build(items.Rules, out var badRules);
        // A mapping that cannot be used leaves its access point judged without the bucket's rules: as a rule, it fails closed.
        var accessPoints = AccessPointMap.Build(items.AccessPoints, out var badMappings);
        var unusable = items.UnusableRules
            .Concat(badRules.Select(b => $"rule {b.Rule.Describe()}{(b.Rule.Bucket is { } bucket ? $" (bucket {bucket})" : "")}: {b.Error}"))
            .Concat(badMappings.Select(b => $"access point {b.Mapping.AccessPoint} → {b.Mapping.Bucket}: {b.Error}"))
            .ToList();
        foreach (var rule in unusable)
            warn?.Invoke($"unusable rule, classification fails until it is fixed: {rule}");
        // An alias only names an account in alerts: one that cannot be used is skipped with a warning, never fatal.
        var aliases = AccountAliases.Build(items.Aliases, out var badAliases);
        foreach (var (alias, error) in badAliases)
            warn?.Invoke($"skipped account alias {alias.Account}: {error}");
        return new JudgingConfig(allowlist, classifier, unusable, accessPoints, aliases);
    }
}
