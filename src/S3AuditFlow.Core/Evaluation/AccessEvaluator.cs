using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>Everything before dedup: a verdict, or an alert candidate that dedup will judge.</summary>
public sealed record EvaluationResult(Verdict? Final, string Reason, string? EventId, AlertCandidate? Candidate)
{
    /// <summary>The result of a record its parse already decided (ignored, not-monitored, malformed): no access to judge.</summary>
    public static EvaluationResult Decided(ParseResult parsed) => new(parsed.Final, parsed.Reason, parsed.EventId, null);
}

/// <summary>Classify's answer: the classification (null when no rule matches) and the reason, as scan words it.</summary>
public sealed record SensitivityOutcome(Classification? Classification, string Reason)
{
    /// <summary>True when a rule matches an object the access touches.</summary>
    public bool Sensitive => Classification is not null;
}

/// <summary>
/// Runs the steps of the state machine in order — Parse Event, Check Allowlist, Classify Sensitivity — over one
/// record. Dedup is separate because it needs memory across events (in-process for scan, DynamoDB in AWS).
/// The Check Allowlist and Classify Sensitivity steps call <see cref="Trust"/> and <see cref="Classify"/> too, so a
/// verdict and reason from scan are the ones production gives by construction, not by two copies kept in step.
/// </summary>
/// <param name="window">scan's --since/--until: data events outside it get <see cref="Verdict.OutsideWindow"/>.</param>
public sealed class AccessEvaluator(AuditConfig config, TimeWindow? window = null)
{
    private readonly CloudTrailParser _parser = new(config.MonitoredEvents);

    // Read once here, so a config with an unusable rule fails before the first record (scan exits 2 naming it)
    // instead of once per record.
    private readonly SensitivityClassifier _classifier = config.Classifier;

    /// <summary>Evaluates one record or EventBridge event up to dedup.</summary>
    public EvaluationResult Evaluate(JsonElement record)
    {
        var parsed = _parser.Parse(record);
        if (parsed.Access is not { } access)
            return EvaluationResult.Decided(parsed);
        return window?.Excludes(access.EventTime) is { } outside
            ? new EvaluationResult(Verdict.OutsideWindow, outside, access.EventId, null)
            : Evaluate(access);
    }

    /// <summary>
    /// The final verdict of a record its top-level fields decide (ignored, not-monitored), as <see cref="Evaluate(JsonElement)"/>
    /// gives it; null when the whole record must be evaluated.
    /// </summary>
    public ParseResult? Triage(TopLevelFields fields) => _parser.Triage(fields);

    /// <summary>
    /// Evaluates a parsed access: trust first (as the state machine does), then sensitivity. A copy through a
    /// mapped access point is judged as a copy from the bucket behind it.
    /// </summary>
    public EvaluationResult Evaluate(S3Access access)
    {
        access = config.AccessPoints.Resolve(access);
        var trust = Trust(access, config.Allowlist);
        if (trust.Trusted)
            return new EvaluationResult(Verdict.Allowlisted, trust.Reason, access.EventId, null);
        var sensitivity = Classify(access, _classifier);
        return sensitivity.Classification is { } classification
            ? new EvaluationResult(null, "", access.EventId, new AlertCandidate(access, classification, trust.Reason, config.AccountAliases.Of(access.Account)))
            : new EvaluationResult(Verdict.NotSensitive, sensitivity.Reason, access.EventId, null);
    }

    /// <summary>
    /// The trust check (Check Allowlist): the allowlist's decision on an access already resolved (access point →
    /// bucket). Takes only the allowlist, so a caller need not build a whole config (dedup and monitoring settings)
    /// to ask it.
    /// </summary>
    public static TrustDecision Trust(S3Access access, Allowlist allowlist) => allowlist.Check(access);

    /// <summary>
    /// The classification (Classify Sensitivity): the highest level over every object the access touches, with
    /// the reason scan reports. The classifier must hold the rules of every bucket the access touches.
    /// </summary>
    public static SensitivityOutcome Classify(S3Access access, SensitivityClassifier classifier) =>
        classifier.Classify(access) is { } classification
            ? new SensitivityOutcome(classification, MatchReason(classification))
            : new SensitivityOutcome(null, NotSensitiveReason(access));

    /// <summary>"bucket/key matches keyword \"cardholder\" (critical)": one reason of an alert.</summary>
    public static string MatchReason(Classification classification) => $"{classification.Object} matches {classification.Describe()}";

    private static string NotSensitiveReason(S3Access access) =>
        access.CopyDestination is { } destination
            ? $"no sensitivity rule matches {access.ReadObject} or {destination}"
            : $"no sensitivity rule matches {access.ReadObject}";
}
