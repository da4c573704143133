using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Classify Sensitivity: the rules (cached from DynamoDB) → level and matched rule, or not sensitive, by scan's <see cref="AccessEvaluator.Classify"/>.</summary>
public sealed class ClassifySensitivityStep(CachedConfigSource config) : IStep
{
    /// <inheritdoc />
    public string Name => "ClassifySensitivity";

    /// <inheritdoc />
    public async Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var access = StepInput.Read(payload, StepJsonContext.Default.AccessRequest).Access;
        ClassifySensitivityResult result;
        try
        {
            // A copy through a mapped access point is classified by the bucket behind it, as scan classifies it.
            var judged = await config.ResolveAsync(access, cancellationToken).ConfigureAwait(false);
            // Scan's own classification, with the rules of every bucket the access touches (a copy's destination is
            // judged by its own bucket's rules), so the verdict and reason are scan's.
            var judging = await config.ForAccessAsync(judged, cancellationToken).ConfigureAwait(false);
            var outcome = AccessEvaluator.Classify(judged, judging.Classifier);
            // The account's alias rides with the classification to Deduplicate Alert, which composes the alert
            // without reading the config table.
            result = new ClassifySensitivityResult(outcome.Sensitive, outcome.Reason, outcome.Classification,
                outcome.Sensitive ? judging.AccountAliases.Of(judged.Account) : null,
                outcome.Sensitive && judged != access ? judged : null);
        }
        catch (Exception e) when (e is StoreUnavailableException or UnusableRuleException)
        {
            // An unusable rule fails the step (error type UnusableRuleException): the event is kept for replay and
            // the failure mailed, rather than judged by fewer rules than the user wrote.
            throw StepFailedException.For(access, e);
        }
        StepLog.Decision(Name, access.EventId, result.Sensitive ? "sensitive" : "not-sensitive", result.Reason);
        return JsonSerializer.SerializeToUtf8Bytes(result, StepJsonContext.Default.ClassifySensitivityResult);
    }
}
