using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

/// <summary>EventBridge "AWS API Call via CloudTrail" events shaped like the real ones, and step documents built from them.</summary>
internal static class StepEvents
{
    public const string Bucket = "cg-cardholder-data-bucket-cgidlulwjvrwio";

    public static JsonObject Record(string eventId, string key, string role = "cg-banking-WAF-Role", string ip = "54.177.149.226",
        string time = "2021-03-10T14:03:42Z", string eventName = "GetObject", string? errorCode = null) => new()
        {
            ["eventVersion"] = "1.08",
            ["userIdentity"] = new JsonObject
            {
                ["type"] = "AssumedRole",
                ["principalId"] = "AROAEXAMPLE:i-07f3d2a9b6e1c8f42",
                ["arn"] = $"arn:aws:sts::123456789012:assumed-role/{role}/i-07f3d2a9b6e1c8f42",
                ["accountId"] = "123456789012",
                ["accessKeyId"] = "ASIAEXAMPLE",
                ["sessionContext"] = new JsonObject
                {
                    ["sessionIssuer"] = new JsonObject
                    {
                        ["type"] = "Role",
                        ["principalId"] = "AROAEXAMPLE",
                        ["arn"] = $"arn:aws:iam::123456789012:role/{role}",
                        ["accountId"] = "123456789012",
                        ["userName"] = role,
                    },
                },
            },
            ["eventTime"] = time,
            ["eventSource"] = "s3.amazonaws.com",
            ["eventName"] = eventName,
            ["awsRegion"] = "us-west-1",
            ["sourceIPAddress"] = ip,
            ["userAgent"] = "[aws-cli/2.1.29]",
            ["requestParameters"] = new JsonObject { ["bucketName"] = Bucket, ["key"] = key },
            ["eventID"] = eventId,
            ["eventType"] = "AwsApiCall",
            ["eventCategory"] = "Data",
            ["errorCode"] = errorCode,
            ["recipientAccountId"] = "123456789012",
        };

    public static JsonObject EventBridge(JsonObject detail) => new()
    {
        ["version"] = "0",
        ["id"] = "7f5b3d2e-0000-4000-8000-" + Guid.NewGuid().ToString("N")[..12],
        ["detail-type"] = "AWS API Call via CloudTrail",
        ["source"] = "aws.s3",
        ["account"] = "123456789012",
        ["time"] = detail["eventTime"]?.DeepClone(),
        ["region"] = "us-west-1",
        ["resources"] = new JsonArray(),
        ["detail"] = detail,
    };

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
