namespace S3AuditFlow.Core.Input;

/// <summary>
/// What scan reads of what it finds, the same for folders and s3:// listings: CloudTrail-Digest files are skipped
/// and counted (they hold hashes, not events), and with --since/--until/--account/--region-filter the trail layout
/// leaves out the folders and files that cannot hold what was asked for.
/// </summary>
/// <param name="layout">The filters' layout; <see cref="TrailLayout.Everything"/> when null.</param>
public sealed class InputSelection(TrailLayout? layout = null)
{
    private long _digests;

    /// <summary>The layout that plans listings and admits paths.</summary>
    public TrailLayout Layout { get; } = layout ?? TrailLayout.Everything;

    /// <summary>
    /// Expands an argument that is not a local path (an s3:// URI) into inputs, or returns null for a local path.
    /// Set by the CLI, so that Core knows no remote store.
    /// </summary>
    public Func<string, IReadOnlyList<ScanInput>?>? Remote { get; set; }

    /// <summary>CloudTrail-Digest files found and skipped.</summary>
    public long DigestsSkipped => Interlocked.Read(ref _digests);

    /// <summary>
    /// False for a path the layout rules out, or a digest file (counted, as the listings that reach it count it:
    /// with filters, digest folders are left out before their files are seen); may be called from several threads.
    /// </summary>
    public bool Keep(string path)
    {
        if (!Layout.Admits(path))
            return false;
        if (TrailLayout.IsDigest(path))
        {
            Interlocked.Increment(ref _digests);
            return false;
        }
        return true;
    }
}
