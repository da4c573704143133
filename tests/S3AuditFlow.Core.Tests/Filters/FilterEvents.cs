using System.Text.Json.Nodes;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>
/// CloudTrail events for the filter tests, made from the fixture records: the same record with another bucket, key
/// or copy source, as EventBridge delivers it ("AWS API Call via CloudTrail") and as the trail sees it.
/// </summary>
internal static class FilterEvents
{
    private static readonly JsonObject GetObjectRecord = Fixtures.Node("record-GetObject-iamuser.json");
    private static readonly JsonObject CopyRecord = Fixtures.Node("record-UploadPartCopy-encoded-copy-source.json");
    private static readonly JsonObject Envelope = Fixtures.Node("eventbridge-GetObject-sso-role.json");

    /// <summary>A GetObject of BUCKET/KEY.</summary>
    public static JsonObject GetObject(string bucket, string key)
    {
        var record = GetObjectRecord.DeepClone().AsObject();
        record["requestParameters"]!["bucketName"] = bucket;
        record["requestParameters"]!["key"] = key;
        record["resources"] = new JsonArray(Resource("AWS::S3::Object", ObjectArn(bucket, key)), Resource("AWS::S3::Bucket", "arn:aws:s3:::" + bucket));
        return record;
    }

    /// <summary>
    /// An UploadPartCopy (or CopyObject) into DESTINATION/KEY whose x-amz-copy-source is <paramref name="copySource"/>
    /// as sent; the resources name the destination and, when <paramref name="source"/> is known, the source object (CloudTrail
    /// names it decoded, as record-UploadPartCopy-encoded-copy-source.json shows).
    /// </summary>
    public static JsonObject Copy(string eventName, string copySource, (string Bucket, string Key)? source, string bucket, string key)
    {
        var record = CopyRecord.DeepClone().AsObject();
        record["eventName"] = eventName;
        record["requestParameters"]!["bucketName"] = bucket;
        record["requestParameters"]!["key"] = key;
        record["requestParameters"]!["x-amz-copy-source"] = copySource;
        var resources = new JsonArray(Resource("AWS::S3::Object", ObjectArn(bucket, key)), Resource("AWS::S3::Bucket", "arn:aws:s3:::" + bucket));
        if (source is { } read)
            resources.Add(Resource("AWS::S3::Object", ObjectArn(read.Bucket, read.Key)));
        record["resources"] = resources;
        return record;
    }

    /// <summary>The record as EventBridge delivers it to a rule.</summary>
    public static JsonObject Delivered(JsonObject record)
    {
        var @event = Envelope.DeepClone().AsObject();
        @event["detail"] = record.DeepClone();
        return @event;
    }

    public static string ObjectArn(string bucket, string key) => $"arn:aws:s3:::{bucket}/{key}";

    private static JsonObject Resource(string type, string arn) => new() { ["type"] = type, ["ARN"] = arn };
}
