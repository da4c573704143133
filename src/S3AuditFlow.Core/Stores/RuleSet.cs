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

    /// <summary>Account aliases (global items only): names for alerts, never part of a verdict.</summary>
    public IReadOnlyList<Config.AccountAlias> Aliases { get; init; } = [];

    /// <summary>Both sets together.</summary>
    public RuleSet Concat(RuleSet other) =>
        new([.. Entries, .. other.Entries], [.. Rules, .. other.Rules])
        {
            UnusableRules = [.. UnusableRules, .. other.UnusableRules],
            AccessPoints = [.. AccessPoints, .. other.AccessPoints],
            Aliases = [.. Aliases, .. other.Aliases],
        };
}

/// <summary>Where allowlists and rules live in production (the DynamoDB config table).</summary>
public interface IConfigStore
{
    /// <summary>The items of one scope (global, an account's, a bucket's, or one bucket's in one account).</summary>
    /// <exception cref="StoreUnavailableException">The store could not be read within its retry budget.</exception>
    Task<RuleSet> LoadScopeAsync(Config.ConfigScope scope, CancellationToken cancellationToken = default);
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
