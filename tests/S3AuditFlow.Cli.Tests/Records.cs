using System.Text.Json.Nodes;

namespace S3AuditFlow.Cli.Tests;

/// <summary>Builds CloudTrail S3 data event records shaped like the real ones, one line each.</summary>
internal static class Records
{
    public static string GetObject(string eventId, string time, string key, string role = "etl", string ip = "54.177.149.226",
        string bucket = "cg-cardholder-data-bucket-cgidlulwjvrwio", string? errorCode = null)
    {
        var record = new JsonObject
        {
            ["eventVersion"] = "1.08",
            ["userIdentity"] = new JsonObject
            {
                ["type"] = "AssumedRole",
                ["principalId"] = "AROAEXAMPLE:i-0abc",
                ["arn"] = $"arn:aws:sts::123456789012:assumed-role/{role}/i-0abc",
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
            ["eventName"] = "GetObject",
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
        return record.ToJsonString();
    }
}
