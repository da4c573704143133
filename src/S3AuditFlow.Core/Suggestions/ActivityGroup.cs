using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// What one principal did from one source in one bucket, counted as the reads go by: never the reads themselves,
/// so a history of millions of reads costs a few kilobytes per group.
/// </summary>
public sealed class ActivityGroup
{
    /// <summary>Sample keys kept per group.</summary>
    public const int MaxSampleKeys = 5;

    /// <summary>Reads kept per group to re-check trust with: one per distinct source address and endpoint.</summary>
    public const int MaxRepresentatives = 32;

    private readonly SortedDictionary<DateOnly, long> _days = [];
    private readonly List<string> _sampleKeys = [];
    private readonly List<S3Access> _representatives = [];

    /// <summary>A group for one principal, source and bucket, in <paramref name="account"/> (the read's account, if known).</summary>
    public ActivityGroup(Subject principal, Subject source, string bucket, string? account = null)
    {
        Principal = principal;
        Source = source;
        Bucket = bucket;
        Account = account;
    }

    /// <summary>
    /// The account of the reads (<see cref="S3Access.Account"/>): suggested entries are scoped to it, since a name-only
    /// principal or a private address means something else in another account.
    /// </summary>
    public string? Account { get; }

    /// <summary>Who.</summary>
    public Subject Principal { get; }
    /// <summary>From where.</summary>
    public Subject Source { get; }
    /// <summary>The bucket read.</summary>
    public string Bucket { get; }
    /// <summary>Reads counted.</summary>
    public long Events { get; private set; }
    /// <summary>Distinct objects read.</summary>
    public DistinctEstimate Objects { get; } = new();
    /// <summary>Reads per UTC day, for the days with any.</summary>
    public IReadOnlyDictionary<DateOnly, long> Days => _days;
    /// <summary>The first distinct keys read.</summary>
    public IReadOnlyList<string> SampleKeys => _sampleKeys;
    /// <summary>Time of the first read.</summary>
    public DateTimeOffset First { get; private set; } = DateTimeOffset.MaxValue;
    /// <summary>Time of the last read.</summary>
    public DateTimeOffset Last { get; private set; } = DateTimeOffset.MinValue;
    /// <summary>The highest harvest notification scan raised on this group's reads, if any.</summary>
    public HarvestNotice? Harvest { get; private set; }
    /// <summary>Refused reads (access denied) before the first successful read that followed one.</summary>
    public long Denied { get; private set; }
    /// <summary>Time of the first refused read.</summary>
    public DateTimeOffset? FirstDenied { get; private set; }
    /// <summary>Time of the first successful read after a refused one: probing that worked.</summary>
    public DateTimeOffset? SucceededAfterDenied { get; private set; }
    /// <summary>Reads to re-check trust with, one per distinct source address and VPC endpoint.</summary>
    public IReadOnlyList<S3Access> Representatives => _representatives;

    /// <summary>Counts one read; reads must come in time order for the failed-then-successful pattern.</summary>
    public void Add(S3Access access, HarvestNotice? harvest)
    {
        Events++;
        var read = access.ReadObject;
        Objects.Add(read.Key);
        var day = DateOnly.FromDateTime(access.EventTime.UtcDateTime);
        _days[day] = _days.GetValueOrDefault(day) + 1;
        if (_sampleKeys.Count < MaxSampleKeys && !_sampleKeys.Contains(read.Key))
            _sampleKeys.Add(read.Key);
        if (access.EventTime < First)
            First = access.EventTime;
        if (access.EventTime > Last)
            Last = access.EventTime;
        if (harvest is not null && (Harvest is null || harvest.Threshold > Harvest.Threshold))
            Harvest = harvest;
        if (access.Failed && IsDenial(access.ErrorCode!))
        {
            FirstDenied ??= access.EventTime;
            if (SucceededAfterDenied is null)
                Denied++;
        }
        else if (!access.Failed && FirstDenied is not null)
        {
            SucceededAfterDenied ??= access.EventTime;
        }
        if (_representatives.Count < MaxRepresentatives
            && !_representatives.Any(r => r.Source.Value == access.Source.Value && r.Source.VpcEndpointId == access.Source.VpcEndpointId))
            _representatives.Add(access);
    }

    /// <summary>Error codes S3 gives when the caller may not read: the ones probing produces (not NoSuchKey, not throttling).</summary>
    private static bool IsDenial(string code) => code is "AccessDenied" or "AllAccessDisabled" or "InvalidAccessKeyId" or "SignatureDoesNotMatch";
}
