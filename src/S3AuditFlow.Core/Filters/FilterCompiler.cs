using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Filters;

/// <summary>The pre-filters for a set of rules: what a deployment applies, and why each bucket is (not) filtered.</summary>
/// <param name="Buckets">One entry per monitored bucket, in the order given.</param>
/// <param name="ReadRule">The S3ObjectRead event pattern.</param>
/// <param name="CopyOutRule">The S3ObjectCopyOut event pattern; null when no copy is monitored.</param>
/// <param name="Trail">The trail's advanced event selectors.</param>
/// <param name="CopySource">The conditions on the copy source both rules use.</param>
/// <param name="Notes">Where a limit or an unusable rule widened a filter, in words.</param>
public sealed record CompiledFilters(
    IReadOnlyList<BucketFilter> Buckets,
    JsonObject ReadRule,
    JsonObject? CopyOutRule,
    JsonArray Trail,
    CopySourceFilter CopySource,
    IReadOnlyList<string> Notes);

/// <summary>
/// Compiles sensitivity rules into EventBridge patterns and CloudTrail selectors that pass every event a rule could
/// alert on (a superset, never narrower: the property tests check it against the classifier), and as little else as
/// the services can express.
/// </summary>
public static class FilterCompiler
{
    /// <summary>
    /// Compiles a loaded config's filters, as `s3audit filters` shows them and the Compile Filters step applies them:
    /// events in ordinal order (the same rules always give the same JSON), and an unreadable rule unfilters everything.
    /// </summary>
    public static CompiledFilters Compile(AuditConfig config, IReadOnlyList<string> monitoredBuckets, IEnumerable<string> monitoredEvents, FilterOptions options) =>
        Compile(RulesOf(config), monitoredBuckets, [.. monitoredEvents.Order(StringComparer.Ordinal)], options, config.UnusableRules);

    /// <summary>The rules filters are compiled from: none when a stored rule is unusable (what it matches is unknown).</summary>
    public static IReadOnlyList<SensitivityRule> RulesOf(AuditConfig config) => config.UnusableRules.Count == 0 ? config.Classifier.Rules : [];

    /// <summary>Compiles the filters for the monitored buckets and events.</summary>
    /// <param name="unusableRules">Stored rules that could not be read: what they match is unknown, so nothing is filtered.</param>
    /// <exception cref="ArgumentException">No bucket or no event is monitored.</exception>
    public static CompiledFilters Compile(IReadOnlyList<SensitivityRule> rules, IReadOnlyList<string> monitoredBuckets,
        IReadOnlyCollection<string> monitoredEvents, FilterOptions options, IReadOnlyList<string>? unusableRules = null)
    {
        if (monitoredBuckets.Count == 0)
            throw new ArgumentException("no monitored bucket", nameof(monitoredBuckets));
        if (monitoredEvents.Count == 0)
            throw new ArgumentException("no monitored event", nameof(monitoredEvents));
        var events = monitoredEvents.Distinct(StringComparer.Ordinal).ToList();
        var buckets = monitoredBuckets.Distinct(StringComparer.Ordinal).ToList();
        var notes = new List<string>();
        var bounds = rules.Select(r => RuleBound.Of(r, options)).ToList();
        if (unusableRules is { Count: > 0 })
        {
            notes.Add($"nothing is filtered: {unusableRules.Count} stored rule(s) could not be read, and what they match is unknown ({string.Join("; ", unusableRules)})");
            var unknown = new RuleBound(new SensitivityRule(RuleKind.Glob, "**"), null, "an unreadable stored rule", null, "an unreadable stored rule", null);
            bounds = [unknown, .. bounds];
        }
        var filters = buckets.Select(b => BucketFilter.Of(b, bounds)).ToList();
        var copySource = CopySourceFilter.Of(bounds);
        return new CompiledFilters(
            filters,
            EventPatterns.Read(events, filters, copySource, options, notes),
            EventPatterns.CopyOut(events, buckets, bounds, copySource, options, notes),
            TrailSelectors.Build(events, filters, options, notes),
            copySource,
            notes);
    }
}
