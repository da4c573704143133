using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>Everything before dedup: a verdict, or an alert candidate that dedup will judge.</summary>
public sealed record Evaluation(Verdict? Final, string Reason, string? EventId, AlertCandidate? Candidate);

/// <summary>
/// Runs the steps of the state machine in order — Parse Event, Check Allowlist, Classify Sensitivity — over one
/// record. Dedup is separate because it needs memory across events (in-process for scan, DynamoDB in AWS).
/// </summary>
public sealed class AccessEvaluator(AuditConfig config)
{
    private readonly CloudTrailParser _parser = new(config.MonitoredEvents);

    // Read once here, so a config with an unusable rule fails before the first record (scan exits 2 naming it)
    // instead of once per record.
    private readonly Sensitivity.SensitivityClassifier _classifier = config.Classifier;

    /// <summary>Evaluates one record or EventBridge event up to dedup.</summary>
    public Evaluation Evaluate(JsonElement record)
    {
        var parsed = _parser.Parse(record);
        return parsed.Access is { } access ? Evaluate(access) : new Evaluation(parsed.Final, parsed.Reason, parsed.EventId, null);
    }

    /// <summary>
    /// Evaluates a parsed access: trust first (as the state machine does), then sensitivity. A copy through a
    /// mapped access point is judged as a copy from the bucket behind it.
    /// </summary>
    public Evaluation Evaluate(S3Access access)
    {
        access = config.AccessPoints.Resolve(access);
        var trust = config.Allowlist.Check(access);
        if (trust.Trusted)
            return new Evaluation(Verdict.Allowlisted, trust.Reason, access.EventId, null);
        var classification = _classifier.Classify(access);
        if (classification is null)
            return new Evaluation(Verdict.NotSensitive, NotSensitiveReason(access), access.EventId, null);
        return new Evaluation(null, "", access.EventId, new AlertCandidate(access, classification, trust.Reason));
    }

    private static string NotSensitiveReason(S3Access access) =>
        access.CopyDestination is { } destination
            ? $"no sensitivity rule matches {access.ReadObject} or {destination}"
            : $"no sensitivity rule matches {access.ReadObject}";
}
