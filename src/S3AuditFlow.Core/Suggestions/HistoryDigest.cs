using System.Net;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// Every alert candidate of a scan (every untrusted read of a sensitive object, before dedup), folded into one
/// <see cref="ActivityGroup"/> per account, principal, source and bucket. Fed by <see cref="Scanning.ScanOptions.OnCandidate"/>,
/// which calls on one thread in time order.
/// </summary>
public sealed class HistoryDigest
{
    private readonly Dictionary<string, ActivityGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, HashSet<DateOnly>> _publicAddressDays = [];

    /// <summary>Reads counted (event IDs seen twice count once).</summary>
    public long Reads { get; private set; }
    /// <summary>Time of the first read.</summary>
    public DateTimeOffset? First { get; private set; }
    /// <summary>Time of the last read.</summary>
    public DateTimeOffset? Last { get; private set; }

    /// <summary>The groups, in the order they were first seen.</summary>
    public IReadOnlyCollection<ActivityGroup> Groups => _groups.Values;

    /// <summary>Counts one candidate with dedup's decision on it.</summary>
    public void Add(AlertCandidate candidate, DedupDecision decision)
    {
        // The same event delivered twice is one read, as dedup counts it.
        if (decision.SameEvent)
            return;
        var access = candidate.Access;
        Reads++;
        First = First is { } first && first <= access.EventTime ? first : access.EventTime;
        Last = Last is { } last && last >= access.EventTime ? last : access.EventTime;
        var principal = Subjects.Principal(access.Principal);
        var source = Subjects.Source(access.Source);
        var bucket = access.ReadObject.Bucket;
        var account = access.Account is { } id && Config.AccountId.IsValid(id) ? id : null;
        var key = string.Join('\u001f', account ?? "", principal.Key, source.Key, bucket);
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new ActivityGroup(principal, source, bucket, account);
        group.Add(access, decision.Harvest);
        if (access.Source.Ip is { } ip && Networks.IsPublic(ip))
        {
            if (!_publicAddressDays.TryGetValue(ip, out var days))
                _publicAddressDays[ip] = days = [];
            days.Add(DateOnly.FromDateTime(access.EventTime.UtcDateTime));
        }
    }

    /// <summary>Days on which a public address read anything sensitive untrusted, by any principal.</summary>
    public int DaysSeen(IPAddress publicAddress) => _publicAddressDays.TryGetValue(publicAddress, out var days) ? days.Count : 0;
}
