using System.Text.Json.Nodes;

namespace S3AuditFlow.TestSupport;

/// <summary>CloudTrail S3 data event records and EventBridge events, shaped like the real ones (see tests/fixtures for captured shapes).</summary>
public static class CloudTrailRecords
{
    /// <summary>The seed scenario's bucket.</summary>
    public const string Bucket = "cg-cardholder-data-bucket-cgidlulwjvrwio";

    /// <summary>A GetObject (or another eventName) by an EC2 instance role, as CloudTrail logs it.</summary>
    public static JsonObject Record(string eventId, string key, string role = "cg-banking-WAF-Role", string ip = "54.177.149.226",
        string time = "2021-03-10T14:03:42Z", string eventName = "GetObject", string? errorCode = null, string bucket = Bucket)
    {
        var record = new JsonObject
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
            ["requestParameters"] = new JsonObject { ["bucketName"] = bucket, ["key"] = key },
            ["eventID"] = eventId,
            ["eventType"] = "AwsApiCall",
            ["eventCategory"] = "Data",
            ["recipientAccountId"] = "123456789012",
        };
        if (errorCode is not null)
            record["errorCode"] = errorCode;
        return record;
    }

    /// <summary>The record as EventBridge delivers it: "AWS API Call via CloudTrail" from aws.s3.</summary>
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
}
