using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Functions.Steps;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>EventBridge "AWS API Call via CloudTrail" events shaped like the real ones, and step documents built from them.</summary>
internal static class StepEvents
{
    public const string Bucket = CloudTrailRecords.Bucket;

    public static JsonObject Record(string eventId, string key, string role = "cg-banking-WAF-Role", string ip = "54.177.149.226",
        string time = "2021-03-10T14:03:42Z", string eventName = "GetObject", string? errorCode = null) =>
        CloudTrailRecords.Record(eventId, key, role, ip, time, eventName, errorCode);

    public static JsonObject EventBridge(JsonObject detail) => CloudTrailRecords.EventBridge(detail);

    public static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);

    /// <summary>The access Parse Event makes of a record, as the later steps receive it.</summary>
    public static async Task<ParseEventResult> ParseAsync(JsonObject record)
    {
        var step = new ParseEventStep(new HashSet<string>(Core.Config.AuditConfig.DefaultMonitoredEvents));
        var output = await step.HandleAsync(Bytes(EventBridge(record)), CancellationToken.None);
        return JsonSerializer.Deserialize(output, StepJsonContext.Default.ParseEventResult)!;
    }

    public static byte[] AccessRequest(ParseEventResult parsed) =>
        JsonSerializer.SerializeToUtf8Bytes(new AccessRequest(parsed.Access!), StepJsonContext.Default.AccessRequest);
}
