namespace S3AuditFlow.Core.Events;

/// <summary>Parses the x-amz-copy-source header CloudTrail logs for CopyObject and UploadPartCopy.</summary>
public static class CopySource
{
    private const string AccessPointObjectMarker = "/object/";

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
