using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Deduplicate Alert: the dedup table → first occurrence (with the composed alert) or duplicate.</summary>
public sealed class DeduplicateAlertStep(IDedupStore store) : IStep
{
    /// <inheritdoc />
    public string Name => "DeduplicateAlert";

    /// <inheritdoc />
    public async Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var request = StepInput.Read(payload, StepJsonContext.Default.DeduplicateAlertRequest);
        var classification = request.Sensitivity.Classification
            ?? throw new StepFailedException("InvalidStepInput", $"event {request.Access.EventId}: Deduplicate Alert needs a classification");
        // The access as Classify Sensitivity judged it: a copy through a mapped access point is the bucket's read,
        // for its dedup keys, its alert and its history item, as in scan.
        var access = request.Sensitivity.Judged ?? request.Access;
        var candidate = new AlertCandidate(access, classification, request.Trust.Reason, request.Sensitivity.AccountAlias);
        DeduplicateAlertResult result;
        var logged = "";
        try
        {
            var decision = await store.RecordAsync(candidate, request.ExecutionId, cancellationToken).ConfigureAwait(false);
            HarvestMessage? harvest = null;
            if (decision.Harvest is { } notice)
            {
                harvest = HarvestMessage.Compose(notice with { Account = notice.Account ?? access.Account, AccountAlias = candidate.AccountAlias });
                logged = $"; harvest {notice.HarvestId} reached {notice.Threshold} objects";
            }
            result = decision.IsFirst
                ? new DeduplicateAlertResult(false, candidate.Reason, null, AlertMessage.Compose(candidate), harvest)
                : new DeduplicateAlertResult(true, decision.Reason, decision.RepeatsEventId, null, harvest);
        }
        catch (StoreUnavailableException e)
        {
            throw StepFailedException.For(request.Access, e);
        }
        StepLog.Decision(Name, request.Access.EventId, result.Duplicate ? "duplicate" : "alert", result.Reason + logged);
        return JsonSerializer.SerializeToUtf8Bytes(result, StepJsonContext.Default.DeduplicateAlertResult);
    }
}
