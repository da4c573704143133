using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Config;

/// <summary>Everything a verdict depends on: allowlist, sensitivity rules, monitored events and dedup window.</summary>
public sealed class AuditConfig
{
    /// <summary>The reads monitored when a config names none.</summary>
    public static readonly IReadOnlyList<string> DefaultMonitoredEvents =
        ["GetObject", "CopyObject", "UploadPartCopy", "SelectObjectContent", "GetObjectTorrent"];

    /// <summary>The dedup window when a config names none.</summary>
    public static readonly TimeSpan DefaultDedupWindow = TimeSpan.FromMinutes(15);

    /// <summary>Alerts per principal, source and bucket within the window before further objects are only counted.</summary>
    public const int DefaultBurstLimit = 10;

    /// <summary>Compiled allowlist.</summary>
    public Allowlist Allowlist { get; }

    /// <summary>Compiled sensitivity rules.</summary>
    /// <exception cref="UnusableRuleException">A stored rule could not be applied: classifying without it would detect less.</exception>
    public SensitivityClassifier Classifier => UnusableRules.Count == 0 ? _classifier : throw new UnusableRuleException(UnusableRules);

    /// <summary>Stored rules that could not be applied, named with the reason; any makes <see cref="Classifier"/> throw.</summary>
    public IReadOnlyList<string> UnusableRules { get; }

    private readonly SensitivityClassifier _classifier;

    /// <summary>Access point → bucket, for copies whose source is an access point ARN.</summary>
    public AccessPointMap AccessPoints { get; }

    /// <summary>Account ID → alias, for naming accounts in alerts and reports.</summary>
    public AccountAliases AccountAliases { get; }

    /// <summary>eventNames that are evaluated; every other S3 data event is not-monitored.</summary>
    public IReadOnlySet<string> MonitoredEvents { get; }

    /// <summary>How long an alert suppresses repeats of the same access.</summary>
    public TimeSpan DedupWindow { get; }

    /// <summary>At most this many alerts per principal, source and bucket within the window; 0: no limit.</summary>
    public int BurstLimit { get; }

    /// <summary>The object counts at which a burst raises a harvest notification.</summary>
    public HarvestPolicy Harvest { get; }

    private AuditConfig(Allowlist allowlist, SensitivityClassifier classifier, IReadOnlySet<string> monitored, TimeSpan window,
        int burstLimit = DefaultBurstLimit, HarvestPolicy? harvest = null, IReadOnlyList<string>? unusableRules = null, AccessPointMap? accessPoints = null,
        AccountAliases? aliases = null)
    {
        AccountAliases = aliases ?? AccountAliases.Empty;
        AccessPoints = accessPoints ?? AccessPointMap.Empty;
        UnusableRules = unusableRules ?? [];
        BurstLimit = burstLimit;
        Harvest = harvest ?? HarvestPolicy.Default;
        Allowlist = allowlist;
        _classifier = classifier;
        MonitoredEvents = monitored;
        DedupWindow = window;
    }

    /// <summary>
    /// Builds a config from stored items. An entry that does not compile is skipped with a warning: skipping never
    /// widens trust — a missing source or principal entry can only make fewer accesses trusted. A rule that does not
    /// parse or compile is not skipped (that would silently detect less): the config keeps it in
    /// <see cref="UnusableRules"/>, so the allowlist still answers but <see cref="Classifier"/> throws.
    /// </summary>
    public static AuditConfig CreateSkippingInvalid(Stores.RuleSet items, IEnumerable<string> monitoredEvents, TimeSpan dedupWindow, Action<string>? warn)
    {
        var judging = JudgingConfig.FromItems(items, warn);
        return new AuditConfig(judging.Allowlist, judging.UncheckedClassifier, new HashSet<string>(monitoredEvents, StringComparer.Ordinal), dedupWindow,
            unusableRules: judging.UnusableRules, accessPoints: judging.AccessPoints, aliases: judging.AccountAliases);
    }

    /// <summary>Builds a config, failing on the first invalid entry so nothing is half-applied.</summary>
    /// <exception cref="ConfigException">An entry does not compile, or the window is not positive.</exception>
    public static AuditConfig Create(
        IEnumerable<AllowlistEntry> entries,
        IEnumerable<SensitivityRule> rules,
        IEnumerable<string>? monitoredEvents = null,
        TimeSpan? dedupWindow = null,
        int? burstLimit = null,
        HarvestPolicy? harvest = null,
        IEnumerable<AccessPointBucket>? accessPoints = null,
        IEnumerable<AccountAlias>? accountAliases = null)
    {
        var aliases = AccountAliases.Build(accountAliases ?? [], out var badAliases);
        if (badAliases.Count > 0)
            throw new ConfigException($"accountAliases: {badAliases[0].Error}");
        var accessPointMap = AccessPointMap.Build(accessPoints ?? [], out var badMappings);
        if (badMappings.Count > 0)
            throw new ConfigException($"access point {badMappings[0].Mapping.AccessPoint}: {badMappings[0].Error}");
        var allowlist = Allowlist.Build(entries, out var badEntries);
        if (badEntries.Count > 0)
            throw new ConfigException($"{badEntries[0].Entry.Describe()}: {badEntries[0].Error}");
        var classifier = SensitivityClassifier.Build(rules, out var badRules);
        if (badRules.Count > 0)
            throw new ConfigException($"rule {badRules[0].Rule.Describe()}: {badRules[0].Error}");
        var window = dedupWindow ?? DefaultDedupWindow;
        if (window <= TimeSpan.Zero)
            throw new ConfigException("dedup window must be positive");
        var monitored = new HashSet<string>(monitoredEvents ?? DefaultMonitoredEvents, StringComparer.Ordinal);
        if (monitored.Count == 0)
            throw new ConfigException("monitoredEvents is empty: nothing would be evaluated");
        if (burstLimit < 0)
            throw new ConfigException("burstLimit must be 0 (no limit) or more");
        return new AuditConfig(allowlist, classifier, monitored, window, burstLimit ?? DefaultBurstLimit, harvest, accessPoints: accessPointMap, aliases: aliases);
    }
}

/// <summary>A config that cannot be used; the message names the bad entry.</summary>
public sealed class ConfigException(string message) : Exception(message);
