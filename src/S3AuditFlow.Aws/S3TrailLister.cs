using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Aws;

/// <summary>
/// Turns an `s3://bucket/prefix` into scan inputs: lists the keys (ListObjectsV2, every page) that the selection's
/// trail layout plans — per day folder when --since/--until are given, discovering organizations, accounts and
/// regions one level at a time with the "/" delimiter — and makes each a streamed input named s3://bucket/key.
/// </summary>
/// <param name="onListed">Told each object kept and its size, for progress; may be called from several threads.</param>
public sealed class S3TrailLister(IAmazonS3 s3, InputSelection selection, Action<long>? onListed = null)
{
    /// <summary>Listing requests in flight at once: a walk of many accounts and regions waits on round trips.</summary>
    public const int ListingsAtOnce = 8;

    /// <summary>Keys per ListObjectsV2 page (S3 returns at most 1,000); smaller in tests to exercise paging.</summary>
    internal int PageSize { get; init; } = 1000;

    /// <summary>Lists the inputs under <paramref name="location"/>, in key order.</summary>
    /// <exception cref="Core.Stores.StoreUnavailableException">A listing failed after the SDK's retries.</exception>
    public async Task<IReadOnlyList<ScanInput>> ListAsync(S3Location location, CancellationToken cancel = default)
    {
        var found = new ConcurrentBag<(string Key, long Size)>();
        IReadOnlyList<TrailListing> frontier = selection.Layout.Plan(location.Prefix);
        while (frontier.Count > 0)
        {
            var children = new ConcurrentBag<TrailListing>();
            await Parallel.ForEachAsync(frontier, new ParallelOptions { MaxDegreeOfParallelism = ListingsAtOnce, CancellationToken = cancel },
                (listing, token) => ListOneAsync(location, listing, found, children, token)).ConfigureAwait(false);
            frontier = [.. children];
        }
        return [.. found.OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new ScanInput(location.Name(o.Key), () => S3ObjectStream.Open(s3, location.Bucket, o.Key), o.Size))];
    }

    private async ValueTask ListOneAsync(S3Location location, TrailListing listing, ConcurrentBag<(string, long)> found,
        ConcurrentBag<TrailListing> children, CancellationToken cancel)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = location.Bucket,
            Prefix = listing.Prefix,
            Delimiter = listing.Discover ? "/" : null,
            MaxKeys = PageSize,
        };
        do
        {
            var page = await StoreErrors.Guard($"listing {location.Name(listing.Prefix)}", () => s3.ListObjectsV2Async(request, cancel)).ConfigureAwait(false);
            foreach (var entry in page.S3Objects ?? [])
            {
                if (Wanted(location, entry.Key, entry.Size ?? 0))
                {
                    found.Add((entry.Key, entry.Size ?? 0));
                    onListed?.Invoke(entry.Size ?? 0);
                }
            }
            foreach (var child in page.CommonPrefixes ?? [])
            {
                foreach (var next in selection.Layout.Plan(child))
                    children.Add(next);
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    /// <summary>
    /// As a folder scan picks files: the scanned extensions only (an object named in full is read whatever it is
    /// called), nothing empty (a "folder" marker holds no records), no digest, nothing the layout rules out.
    /// </summary>
    private bool Wanted(S3Location location, string key, long size) =>
        size > 0
        && (key == location.Prefix || ScanInput.FolderExtensions.Any(e => key.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        && selection.Keep(key);
}
