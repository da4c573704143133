using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Stores;

/// <summary>Allowlist entries and sensitivity rules as stored, before compilation.</summary>
public sealed record RuleSet(IReadOnlyList<AllowlistEntry> Entries, IReadOnlyList<SensitivityRule> Rules)
{
    /// <summary>
    /// Stored rule items that could not be read (e.g. level "Critical "), each named with the reason. They are
    /// carried, not dropped, so the config built from this set refuses to classify (rules fail closed).
    /// </summary>
    public IReadOnlyList<string> UnusableRules { get; init; } = [];

    /// <summary>Access point → bucket mappings (global items only).</summary>
    public IReadOnlyList<Config.AccessPointBucket> AccessPoints { get; init; } = [];

    /// <summary>Both sets together.</summary>
    public RuleSet Concat(RuleSet other) =>
        new([.. Entries, .. other.Entries], [.. Rules, .. other.Rules])
        {
            UnusableRules = [.. UnusableRules, .. other.UnusableRules],
            AccessPoints = [.. AccessPoints, .. other.AccessPoints],
        };
}

/// <summary>Where allowlists and rules live in production (the DynamoDB config table).</summary>
public interface IConfigStore
{
    /// <summary>The items of one scope: global when <paramref name="bucket"/> is null, else that bucket's.</summary>
    /// <exception cref="StoreUnavailableException">The store could not be read within its retry budget.</exception>
    Task<RuleSet> LoadScopeAsync(string? bucket, CancellationToken cancellationToken = default);
}

/// <summary>Where alert dedup state lives in production (the DynamoDB dedup table).</summary>
public interface IDedupStore
{
    /// <summary>Records one alert candidate and says whether it is the first of its access in the window.</summary>
    /// <param name="executionId">The workflow execution judging it: a retry within it must not turn into a duplicate of itself.</param>
    /// <exception cref="StoreUnavailableException">The store could not be written within its retry budget.</exception>
    Task<Dedup.DedupDecision> RecordAsync(Evaluation.AlertCandidate candidate, string? executionId = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// A store failed after its retries. Callers must treat the event as "could not evaluate", never as trusted
/// or as a duplicate: nothing fails open.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
