using System.Text.Json.Serialization;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Parse Event's result: an access to judge, or why the event needs no judging (ignored, not monitored).</summary>
public sealed record ParseEventResult(bool Applicable, string Verdict, string Reason, string? EventId, S3Access? Access);

/// <summary>Check Allowlist's and Classify Sensitivity's input: the parsed access.</summary>
public sealed record AccessRequest(S3Access Access);

/// <summary>Check Allowlist's result.</summary>
public sealed record CheckAllowlistResult(bool Trusted, string Reason);

/// <summary>Classify Sensitivity's result; Classification is null when no rule matches.</summary>
/// <param name="AccountAlias">The user's alias of the read's account (a global alias#ID item), for the alert; null when none.</param>
/// <param name="Judged">The access as classified when it differs from the parsed one (a copy through a mapped access
/// point reads the bucket behind it): Deduplicate Alert keys and composes the alert from it, as scan does.</param>
public sealed record ClassifySensitivityResult(bool Sensitive, string Reason, Classification? Classification, string? AccountAlias = null, S3Access? Judged = null);

/// <summary>Deduplicate Alert's input: everything the earlier steps found.</summary>
/// <param name="ExecutionId">The state machine execution ($$.Execution.Id), so a retried step is recognised as the same attempt.</param>
public sealed record DeduplicateAlertRequest(S3Access Access, CheckAllowlistResult Trust, ClassifySensitivityResult Sensitivity, string? ExecutionId = null);

/// <summary>
/// Deduplicate Alert's result; Alert is what Publish Alert sends, null for a duplicate; Harvest is what Publish Harvest
/// sends when this read took its burst across a harvest threshold, else null.
/// </summary>
public sealed record DeduplicateAlertResult(bool Duplicate, string Reason, string? RepeatsEventId, AlertMessage? Alert, HarvestMessage? Harvest = null);

/// <summary>The one source-generated serializer of every step document (AOT-safe, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ParseEventResult))]
[JsonSerializable(typeof(AccessRequest))]
[JsonSerializable(typeof(CheckAllowlistResult))]
[JsonSerializable(typeof(ClassifySensitivityResult))]
[JsonSerializable(typeof(DeduplicateAlertRequest))]
[JsonSerializable(typeof(DeduplicateAlertResult))]
[JsonSerializable(typeof(SensitivityLevel))]
public sealed partial class StepJsonContext : JsonSerializerContext;
