namespace S3AuditFlow.Core.Events;

/// <summary>Parses the x-amz-copy-source header CloudTrail logs for CopyObject and UploadPartCopy.</summary>
public static class CopySource
{
    private const string AccessPointObjectMarker = "/object/";

    /// <summary>
    /// True for "arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME": the form a copy source's bucket takes when the
    /// copy reads through an access point. Such a bucket is never one a bucket-scoped item names.
    /// </summary>
    public static bool IsAccessPointArn(string bucket)
    {
        var parts = bucket.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2] == "s3" && parts[3].Length > 0
            && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit)
            && parts[5].StartsWith("accesspoint/", StringComparison.Ordinal) && parts[5].Length > "accesspoint/".Length
            && !parts[5]["accesspoint/".Length..].Contains('/', StringComparison.Ordinal);
    }

    /// <summary>
    /// "bucket/key", "/bucket/key", either with "?versionId=…", URL-encoded, or an access point ARN
    /// "arn:aws:s3:region:account:accesspoint/name/object/key" (the bucket is then the access point ARN).
    /// </summary>
    public static ObjectRef? Parse(string header)
    {
        // The query is split off before decoding: an encoded '?' (%3F) inside a key must stay part of the key.
        var query = header.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? header[..query] : header;
        try
        {
            path = Uri.UnescapeDataString(path);
        }
        catch (UriFormatException)
        {
            return null;
        }
        path = path.TrimStart('/');

        if (path.StartsWith("arn:", StringComparison.Ordinal))
        {
            // arn:…:accesspoint/NAME/object/KEY — the access point's own name may be "object", so find its end first.
            var name = path.IndexOf(":accesspoint/", StringComparison.Ordinal);
            var nameEnd = name < 0 ? -1 : path.IndexOf('/', name + ":accesspoint/".Length);
            return nameEnd > 0 && string.CompareOrdinal(path, nameEnd, AccessPointObjectMarker, 0, AccessPointObjectMarker.Length) == 0
                && nameEnd + AccessPointObjectMarker.Length < path.Length
                ? new ObjectRef(path[..nameEnd], path[(nameEnd + AccessPointObjectMarker.Length)..])
                : null;
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < path.Length - 1 ? new ObjectRef(path[..slash], path[(slash + 1)..]) : null;
    }
}
