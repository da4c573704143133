using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Check Allowlist: the DynamoDB allowlist (cached) → trusted or not, with reasons, by scan's <see cref="AccessEvaluator.Trust"/>. A store failure fails the step: nothing fails open.</summary>
public sealed class CheckAllowlistStep(CachedConfigSource config) : IStep
{
    /// <inheritdoc />
    public string Name => "CheckAllowlist";

    /// <inheritdoc />
    public async Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var access = StepInput.Read(payload, StepJsonContext.Default.AccessRequest).Access;
        CheckAllowlistResult result;
        try
        {
            // A copy through a mapped access point is judged by the bucket behind it, as scan judges it.
            var judged = await config.ResolveAsync(access, cancellationToken).ConfigureAwait(false);
            // Scan's own trust check; only global entries and those of the read's account, its bucket, or both can trust a read.
            var decision = AccessEvaluator.Trust(judged, (await config.ForReadAsync(judged, cancellationToken).ConfigureAwait(false)).Allowlist);
            result = new CheckAllowlistResult(decision.Trusted, decision.Reason);
        }
        catch (StoreUnavailableException e)
        {
            throw StepFailedException.For(access, e);
        }
        StepLog.Decision(Name, access.EventId, result.Trusted ? "allowlisted" : "untrusted", result.Reason);
        return JsonSerializer.SerializeToUtf8Bytes(result, StepJsonContext.Default.CheckAllowlistResult);
    }
}
