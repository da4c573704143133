using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Harvest;

/// <summary>
/// One harvest as scan counts it: the new objects of one burst (<see cref="AlertCandidate.BurstKey"/>) while the gap
/// between its reads stays under the dedup window, so a slow harvest is one harvest, not one per window. The DynamoDB
/// store keeps the same counts on its harvest item.
/// </summary>
public sealed class HarvestTally
{
    private readonly List<string> _sampleKeys = [];
    private readonly List<long> _crossed = [];

    private HarvestTally(AlertCandidate first)
    {
        var access = first.Access;
        HarvestId = access.EventId;
        Principal = access.Principal.Label;
        PrincipalArn = access.Principal.Arn;
        Source = access.Source.Label;
        Bucket = access.ReadObject.Bucket;
        Account = access.Account;
        AccountAlias = first.AccountAlias;
        Outcome = access.Failed ? "failed" : "succeeded";
        FirstTime = LastTime = access.EventTime;
    }

    /// <summary>Event ID of the first object.</summary>
    public string HarvestId { get; }
    /// <summary>Who reads.</summary>
    public string Principal { get; }
    /// <summary>The principal's ARN, when known.</summary>
    public string? PrincipalArn { get; }
    /// <summary>From where.</summary>
    public string Source { get; }
    /// <summary>The bucket read.</summary>
    public string Bucket { get; }
    /// <summary>The read's account, when the records name one.</summary>
    public string? Account { get; }
    /// <summary>The user's alias for it.</summary>
    public string? AccountAlias { get; }
    /// <summary>"succeeded" or "failed": refused attempts are a harvest of their own.</summary>
    public string Outcome { get; }
    /// <summary>Time of the earliest object.</summary>
    public DateTimeOffset FirstTime { get; private set; }
    /// <summary>Time of the latest object.</summary>
    public DateTimeOffset LastTime { get; private set; }
    /// <summary>New objects read (repeats of one object within the window count once).</summary>
    public long Objects { get; private set; }
    /// <summary>Sum of bytesTransferredOut.</summary>
    public long Bytes { get; private set; }
    /// <summary>The highest sensitivity of the objects read.</summary>
    public SensitivityLevel HighestSensitivity { get; private set; }
    /// <summary>The first distinct keys read, at most <see cref="HarvestNotice.MaxSampleKeys"/>.</summary>
    public IReadOnlyList<string> SampleKeys => _sampleKeys;
    /// <summary>Thresholds notified, in order.</summary>
    public IReadOnlyList<long> Crossed => _crossed;

    /// <summary>A harvest starting with <paramref name="first"/>.</summary>
    public static HarvestTally Start(AlertCandidate first) => new(first);

    /// <summary>Whether a read at <paramref name="time"/> belongs to this harvest: less than a window after its last read.</summary>
    public bool Continues(DateTimeOffset time, TimeSpan window) => time < WindowEnd.After(LastTime, window);

    /// <summary>Counts one new object and returns the notification it triggers, if it reaches a threshold.</summary>
    public HarvestNotice? Add(AlertCandidate candidate, HarvestPolicy policy)
    {
        var access = candidate.Access;
        Objects++;
        Bytes += Math.Max(0, access.BytesTransferredOut ?? 0);
        if (access.EventTime < FirstTime)
            FirstTime = access.EventTime;
        if (access.EventTime > LastTime)
            LastTime = access.EventTime;
        if (candidate.Classification.Level > HighestSensitivity)
            HighestSensitivity = candidate.Classification.Level;
        if (_sampleKeys.Count < HarvestNotice.MaxSampleKeys && !_sampleKeys.Contains(access.ReadObject.Key))
            _sampleKeys.Add(access.ReadObject.Key);
        if (policy.Crossed(Objects, _crossed.Count == 0 ? 0 : _crossed[^1]) is not { } threshold)
            return null;
        _crossed.Add(threshold);
        return new HarvestNotice(HarvestId, threshold, Principal, PrincipalArn, Source, Bucket, Outcome, Objects, Bytes,
            FirstTime, LastTime, HighestSensitivity, [.. _sampleKeys], Account, AccountAlias);
    }
}
