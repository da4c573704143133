namespace S3AuditFlow.Core.Config;

/// <summary>
/// A stored sensitivity rule cannot be applied (it does not parse or compile). Rules fail closed: skipping one
/// would silently stop detecting what it covers, so classifying with such a config throws this instead — the
/// Classify Sensitivity step fails (the event is kept for replay and the failure is mailed), `scan --table` exits 2.
/// </summary>
public sealed class UnusableRuleException(IReadOnlyList<string> rules)
    : Exception($"{rules.Count} sensitivity rule item(s) cannot be applied, and rules are never skipped: {string.Join("; ", rules)}. Fix or remove them (s3audit allowlist)")
{
    /// <summary>Each unusable item, named with the reason.</summary>
    public IReadOnlyList<string> Rules { get; } = rules;
}
