using System.Globalization;
using System.Text.Json;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Events;

/// <summary>
/// Turns one JSON value (an EventBridge "AWS API Call via CloudTrail" event or a bare CloudTrail record) into an
/// <see cref="S3Access"/>, or into the final verdict ignored / not-monitored / malformed. Never throws on content.
/// </summary>
/// <param name="monitoredBuckets">
/// In AWS, the deployment's buckets: a copy out of a monitored bucket arrives through a rule that cannot filter on
/// the source bucket, so an access whose read and destination buckets are both outside is not monitored. Null: all.
/// </param>
public sealed class CloudTrailParser(IReadOnlySet<string> monitoredEvents, IReadOnlySet<string>? monitoredBuckets = null)
{
    /// <summary>detail-type of EventBridge events that carry a CloudTrail record.</summary>
    public const string CloudTrailDetailType = "AWS API Call via CloudTrail";

    private const string S3EventSource = "s3.amazonaws.com";

    /// <summary>Copy operations: the object read is named by x-amz-copy-source.</summary>
    private static readonly HashSet<string> CopyEvents = new(StringComparer.Ordinal) { "CopyObject", "UploadPartCopy" };

    /// <summary>Parses one record or EventBridge event.</summary>
    public ParseResult Parse(JsonElement value)
    {
        try
        {
            return ParseValue(value);
        }
        catch (InvalidOperationException e)
        {
            // Text that does not decode (invalid UTF-8, a lone surrogate escape) throws only when it is read. scan
            // repairs it while reading (JsonTextRepair); any other caller gets the record reported, never an exception.
            return ParseResult.Done(Verdict.Malformed, "record holds text that is not valid UTF-8 or UTF-16: " + e.Message, null);
        }
    }

    private ParseResult ParseValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return ParseResult.Done(Verdict.Malformed, $"expected a JSON object, found {value.ValueKind}", null);

        var record = value;
        if (value.TryGetProperty("detail-type", out _))
        {
            var detailType = value.Text("detail-type");
            if (detailType != CloudTrailDetailType)
                return ParseResult.Done(Verdict.Ignored, $"EventBridge event \"{detailType}\" from {value.Text("source") ?? "an unknown source"} is not a CloudTrail record", value.Text("id"));
            if (value.Object("detail") is not { } detail)
                return ParseResult.Done(Verdict.Malformed, "EventBridge event without a detail object", value.Text("id"));
            record = detail;
        }

        var fields = TopLevelFields.Of(record);
        var (eventId, eventSource, eventName) = (fields.EventId, fields.EventSource, fields.EventName);
        if (eventSource is null || eventName is null)
            return ParseResult.Done(Verdict.Malformed, "not a CloudTrail record: missing " + (eventSource is null ? "eventSource" : "eventName"), eventId);
        if (Triage(fields) is { } decided)
            return decided;

        var parsed = ParseDataEvent(record, eventId, eventName);
        // A source read through an unresolved access point may be any bucket: it is always monitored (fail closed).
        if (parsed.Access is { } access && monitoredBuckets is not null && !CopySource.IsAccessPointArn(access.ReadObject.Bucket)
            && !monitoredBuckets.Contains(access.ReadObject.Bucket) && !monitoredBuckets.Contains(access.Bucket))
            return ParseResult.Done(Verdict.NotMonitored, $"bucket {access.ReadObject.Bucket} is not monitored", eventId);
        return parsed;
    }

    /// <summary>
    /// The verdict its top-level fields alone give a record that names its eventSource and eventName: ignored (not an
    /// API call, network activity, a management event, another service) or not-monitored (an S3 event not monitored);
    /// null when it is a monitored S3 data event, or lacks either name (malformed or not a record: the whole record
    /// must be read). Scan calls it before building a document; <see cref="Parse"/> calls it after.
    /// </summary>
    public ParseResult? Triage(TopLevelFields fields)
    {
        var (eventId, eventSource, eventName) = (fields.EventId, fields.EventSource, fields.EventName);
        if (eventSource is null || eventName is null)
            return null;
        // Records shortened by hand often drop eventType; judging them is safer than dropping them.
        var eventType = fields.EventType ?? "AwsApiCall";
        if (eventType != "AwsApiCall")
            return ParseResult.Done(Verdict.Ignored, $"eventType {eventType} is not an API call ({eventName})", eventId);
        if (fields.EventCategory is "NetworkActivity")
            return ParseResult.Done(Verdict.Ignored, $"network activity event ({eventName})", eventId);
        if (fields.EventCategory is "Management" || string.Equals(fields.ManagementEvent, "true", StringComparison.OrdinalIgnoreCase))
            return ParseResult.Done(Verdict.Ignored, $"management event ({eventName})", eventId);
        if (eventSource != S3EventSource)
            return ParseResult.Done(Verdict.Ignored, $"eventSource {eventSource} is not S3", eventId);
        if (!monitoredEvents.Contains(eventName))
            return ParseResult.Done(Verdict.NotMonitored, $"{eventName} is not a monitored event", eventId);
        return null;
    }

    /// <summary>
    /// A copy source that is an access point ARN, with the bucket behind it when the record's `resources` name it:
    /// exactly one bucket other than the destination (an AWS::S3::Bucket ARN, or an AWS::S3::Object ARN of the
    /// source key). None or several: the ARN stays, and the access point map or the global items judge it.
    /// </summary>
    private static ObjectRef SourceBucketFromResources(JsonElement record, ObjectRef source, string destinationBucket, string? destinationKey)
    {
        if (!CopySource.IsAccessPointArn(source.Bucket)
            || !record.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array)
            return source;
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in resources.EnumerateArray())
        {
            if (resource.ValueKind != JsonValueKind.Object || resource.Text("ARN") is not { } arn)
                continue;
            // arn:PARTITION:s3:::BUCKET or arn:PARTITION:s3:::BUCKET/KEY
            var parts = arn.Split(':', 6);
            if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "s3" || parts[3].Length > 0 || parts[4].Length > 0)
                continue;
            var slash = parts[5].IndexOf('/', StringComparison.Ordinal);
            var name = slash < 0 ? parts[5] : parts[5][..slash];
            if (!Config.BucketName.IsValid(name))
                continue;
            if (resource.Text("type") == "AWS::S3::Bucket" && slash < 0 && name != destinationBucket)
                candidates.Add(name);
            else if (resource.Text("type") == "AWS::S3::Object" && slash > 0 && parts[5][(slash + 1)..] == source.Key
                     && (name != destinationBucket || source.Key != destinationKey))
                candidates.Add(name);
        }
        return candidates.Count == 1 ? source with { Bucket = candidates.Single() } : source;
    }

    private static ParseResult ParseDataEvent(JsonElement record, string? eventId, string eventName)
    {
        if (eventId is null)
            return ParseResult.Done(Verdict.Malformed, $"{eventName} without eventID", null);
        var timeText = record.Text("eventTime");
        if (timeText is null)
            return ParseResult.Done(Verdict.Malformed, $"{eventName} without eventTime", eventId);
        if (!TryParseTime(timeText, out var eventTime))
            return ParseResult.Done(Verdict.Malformed, $"eventTime \"{timeText}\" is not a date and time", eventId);

        var request = record.Object("requestParameters");
        var bucket = request?.Text("bucketName");
        var key = request?.Text("key") ?? request?.Text("Key");
        if (bucket is null)
            return ParseResult.Done(Verdict.Malformed, $"{eventName} without requestParameters.bucketName", eventId);

        ObjectRef? copySource = null;
        if (CopyEvents.Contains(eventName))
        {
            var header = request?.Text("x-amz-copy-source");
            if (header is null)
                return ParseResult.Done(Verdict.Malformed, $"{eventName} without requestParameters.x-amz-copy-source", eventId);
            copySource = CopySource.Parse(header);
            if (copySource is null)
                return ParseResult.Done(Verdict.Malformed, $"x-amz-copy-source \"{header}\" names no bucket and key", eventId);
            copySource = SourceBucketFromResources(record, copySource, bucket, key);
        }
        if (key is null)
            return ParseResult.Done(Verdict.Malformed, $"{eventName} without requestParameters.key", eventId);

        var access = new S3Access(
            EventId: eventId,
            EventTime: eventTime,
            EventName: eventName,
            Bucket: bucket,
            Key: key,
            CopySource: copySource,
            Principal: IdentityResolver.Resolve(record.Object("userIdentity")),
            Source: SourceAddress.From(record.Text("sourceIPAddress"), record.Text("vpcEndpointId"), record.Text("userAgent")),
            ErrorCode: record.Text("errorCode"),
            ErrorMessage: record.Text("errorMessage"),
            Region: record.Text("awsRegion"),
            RecipientAccountId: record.Text("recipientAccountId"),
            BytesTransferredOut: record.Object("additionalEventData")?.Long("bytesTransferredOut"),
            BucketAccountId: BucketOwner(record, (copySource ?? new ObjectRef(bucket, key)).Bucket));
        return ParseResult.Applicable(access);
    }

    /// <summary>
    /// The accountId of the record's AWS::S3::Bucket resource for <paramref name="bucket"/> (the bucket read), when it
    /// names one of 12 digits; CloudTrail gives the resource owner there.
    /// </summary>
    private static string? BucketOwner(JsonElement record, string bucket)
    {
        if (!record.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var resource in resources.EnumerateArray())
        {
            if (resource.ValueKind != JsonValueKind.Object || resource.Text("type") != "AWS::S3::Bucket" || resource.Text("ARN") is not { } arn)
                continue;
            var parts = arn.Split(':', 6);
            if (parts.Length == 6 && parts[0] == "arn" && parts[2] == "s3" && parts[5] == bucket
                && resource.Text("accountId") is { } owner && Config.AccountId.IsValid(owner))
                return owner;
        }
        return null;
    }

    /// <summary>
    /// ISO 8601 date and time as CloudTrail writes it, and the "yyyy-MM-dd HH:mm:ss" form log pipelines re-emit; UTC
    /// unless an offset is given. Nothing else: a lenient parser reads "03/04/2025" as 4 March and accepts a bare date,
    /// and the time decides dedup, so a record whose time cannot be read exactly is malformed.
    /// </summary>
    internal static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>K also matches no offset at all (then UTC); F matches no fraction.</summary>
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mmK",
        "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];
}
