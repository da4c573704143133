using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>One CloudTrail record per line, as JSON Lines input.</summary>
internal static class Records
{
    public static string GetObject(string eventId, string time, string key, string role = "etl", string ip = "54.177.149.226",
        string bucket = CloudTrailRecords.Bucket, string? errorCode = null) =>
        CloudTrailRecords.Record(eventId, key, role, ip, time, errorCode: errorCode, bucket: bucket).ToJsonString();
}
