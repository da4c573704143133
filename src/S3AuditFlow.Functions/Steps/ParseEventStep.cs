using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Parse Event: EventBridge event → the normalized access, or "not applicable". A malformed event fails the step, so it is reported, never dropped.</summary>
public sealed class ParseEventStep(IReadOnlySet<string> monitoredEvents, IReadOnlySet<string>? monitoredBuckets = null) : IStep
{
    private readonly CloudTrailParser _parser = new(monitoredEvents, monitoredBuckets);

    /// <inheritdoc />
    public string Name => "ParseEvent";

    /// <inheritdoc />
    public Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        ParseResult parsed;
        try
        {
            using var document = JsonDocument.Parse(payload);
            parsed = _parser.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new StepFailedException("MalformedEvent", "event is not JSON: " + e.Message, e);
        }
        var result = Handle(parsed);
        return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(result, StepJsonContext.Default.ParseEventResult));
    }

    private ParseEventResult Handle(ParseResult parsed)
    {
        if (parsed.Final == Verdict.Malformed)
        {
            StepLog.Decision(Name, parsed.EventId, Verdict.Malformed.Name(), parsed.Reason);
            throw new StepFailedException("MalformedEvent", $"event {parsed.EventId ?? "without eventID"}: {parsed.Reason}");
        }
        if (parsed.Access is { } access)
        {
            StepLog.Decision(Name, access.EventId, "applicable", $"{access.EventName} s3://{access.ReadObject}");
            return new ParseEventResult(true, "applicable", $"{access.EventName} s3://{access.ReadObject}", access.EventId, access);
        }
        var verdict = parsed.Final!.Value.Name();
        StepLog.Decision(Name, parsed.EventId, verdict, parsed.Reason);
        return new ParseEventResult(false, verdict, parsed.Reason, parsed.EventId, null);
    }
}
