using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Config;

/// <summary>One access point and the bucket behind it, as the user declares it (`accessPoints`, or a table item).</summary>
/// <param name="AccessPoint">"arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME".</param>
/// <param name="Bucket">The bucket the access point serves.</param>
/// <param name="Note">Why the mapping exists.</param>
/// <param name="AddedBy">Who added it (caller ARN, or "local:USER").</param>
/// <param name="AddedAt">When it was added.</param>
public sealed record AccessPointBucket(string AccessPoint, string Bucket, string? Note = null, string? AddedBy = null, DateTimeOffset? AddedAt = null);

/// <summary>
/// Access point → bucket. A copy whose x-amz-copy-source is an access point ARN names no bucket; mapped here, it is
/// judged by that bucket's entries and rules as a copy from the bucket itself would be. Unmapped, it keeps the ARN
/// as its bucket and is judged by the global entries and rules only (and is always monitored).
/// </summary>
public sealed class AccessPointMap
{
    /// <summary>No access points.</summary>
    public static readonly AccessPointMap Empty = new([]);

    private readonly Dictionary<string, string> _buckets;

    /// <summary>The mappings, in the order given.</summary>
    public IReadOnlyList<AccessPointBucket> Mappings { get; }

    private AccessPointMap(IReadOnlyList<AccessPointBucket> mappings)
    {
        Mappings = mappings;
        _buckets = mappings.ToDictionary(m => m.AccessPoint, m => m.Bucket, StringComparer.Ordinal);
    }

    /// <summary>Builds the map; returns the mappings that are not valid (bad ARN or bucket name, an access point given twice) with the reason.</summary>
    public static AccessPointMap Build(IEnumerable<AccessPointBucket> mappings, out List<(AccessPointBucket Mapping, string Error)> invalid)
    {
        invalid = [];
        var valid = new List<AccessPointBucket>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in mappings)
        {
            // Two buckets for one access point: which one's rules apply would depend on order.
            var error = Validate(mapping) ?? (!seen.Add(mapping.AccessPoint) ? "access point mapped twice" : null);
            if (error is null)
                valid.Add(mapping);
            else
                invalid.Add((mapping, error));
        }
        return new AccessPointMap(valid);
    }

    /// <summary>
    /// Why one mapping cannot be used (not an access point ARN, not a bucket name), or null when it can: the check
    /// <see cref="Build"/> makes, for callers that check one mapping alone (a config file naming its place, a table
    /// item, `s3audit allowlist add-access-point`).
    /// </summary>
    public static string? Validate(AccessPointBucket mapping) =>
        !CopySource.IsAccessPointArn(mapping.AccessPoint) ? "not an access point ARN (arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME)"
        : !BucketName.IsValid(mapping.Bucket) ? $"bucket \"{mapping.Bucket}\" is not an S3 bucket name ({BucketName.Rule})"
        : null;

    /// <summary>The bucket behind <paramref name="accessPoint"/>, or null when it is not mapped.</summary>
    public string? BucketOf(string accessPoint) => _buckets.GetValueOrDefault(accessPoint);

    /// <summary>The access with a mapped access point source replaced by its bucket; any other access unchanged.</summary>
    public S3Access Resolve(S3Access access) =>
        access.CopySource is { } source && BucketOf(source.Bucket) is { } bucket
            ? access with { CopySource = source with { Bucket = bucket } }
            : access;
}
