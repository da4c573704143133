using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>What the text report's summary groups alerts by (`--group-by`).</summary>
public enum GroupBy
{
    /// <summary>Who: one principal from one source (the default).</summary>
    PrincipalAndSource,
    /// <summary>One principal, from any source.</summary>
    Principal,
    /// <summary>One source, whoever used it.</summary>
    Source,
    /// <summary>One bucket read (for a copy, the bucket copied from).</summary>
    Bucket,
}

/// <summary>One group of the summary: its alerts' totals and how often each name of the other dimensions occurs in them.</summary>
public sealed class AlertGroup
{
    private readonly long[] _bySeverity = new long[(int)SensitivityLevel.Critical + 1];
    private readonly Dictionary<string, long> _principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _buckets = new(StringComparer.Ordinal);

    internal AlertGroup((string, string) key, Alert first, GroupBy by)
    {
        Key = key;
        var access = first.Candidate.Access;
        if (by is GroupBy.PrincipalAndSource or GroupBy.Principal)
            (Principal, PrincipalIdentity) = (access.Principal.Label, access.Principal.DedupIdentity);
        if (by is GroupBy.PrincipalAndSource or GroupBy.Source)
            Source = access.Source.Label;
        if (by is GroupBy.Bucket)
            Bucket = access.ReadObject.Bucket;
        First = Last = access.EventTime;
    }

    internal (string, string) Key { get; }

    /// <summary>The principal's label ("role/etl") when the grouping has one; two principals may share a label.</summary>
    public string? Principal { get; }
    /// <summary>What tells principals apart (the role or user ARN, as dedup uses), when the grouping has a principal.</summary>
    public string? PrincipalIdentity { get; }
    /// <summary>The source's label when the grouping has one.</summary>
    public string? Source { get; }
    /// <summary>The bucket when grouping by bucket.</summary>
    public string? Bucket { get; }

    /// <summary>Alerts in the group.</summary>
    public long Alerts { get; private set; }
    /// <summary>Events counted on the group's alerts (duplicates).</summary>
    public long Repeats { get; internal set; }
    /// <summary>Time of the group's earliest alert.</summary>
    public DateTimeOffset First { get; private set; }
    /// <summary>Time of the group's latest alert.</summary>
    public DateTimeOffset Last { get; private set; }

    /// <summary>The highest severity among the group's alerts.</summary>
    public SensitivityLevel Highest => (SensitivityLevel)Array.FindLastIndex(_bySeverity, n => n > 0);

    /// <summary>Alerts of one severity.</summary>
    public long Count(SensitivityLevel severity) => _bySeverity[(int)severity];

    /// <summary>Principal labels and their alerts in this group.</summary>
    public IReadOnlyDictionary<string, long> Principals => _principals;
    /// <summary>Source labels and their alerts in this group.</summary>
    public IReadOnlyDictionary<string, long> Sources => _sources;
    /// <summary>Buckets and their alerts in this group.</summary>
    public IReadOnlyDictionary<string, long> Buckets => _buckets;

    internal void Add(Alert alert)
    {
        var access = alert.Candidate.Access;
        Alerts++;
        _bySeverity[(int)alert.Severity]++;
        if (access.EventTime < First)
            First = access.EventTime;
        if (access.EventTime > Last)
            Last = access.EventTime;
        Tally(_principals, access.Principal.Label);
        Tally(_sources, access.Source.Label);
        Tally(_buckets, access.ReadObject.Bucket);
    }

    private static void Tally(Dictionary<string, long> names, string name) =>
        names[name] = names.GetValueOrDefault(name) + 1;
}

/// <summary>
/// The text report's summary, built while alerts stream past: per-group totals plus at most <c>maxDetails</c> alerts
/// kept for printing, so the report never needs every alert in memory.
/// </summary>
/// <remarks>
/// <para>scan hands each alert over once its repeat count is final (<c>ScanOptions.OnAlert</c>, a window after the
/// alert), into <see cref="AddFinished"/>; <see cref="Of"/> does the same for alerts already collected. A feed that
/// learns of repeats one at a time may call <see cref="Add"/> then <see cref="AddRepeats"/> per repeat instead. A
/// repeat is counted on the group of the alert it repeats, found from that alert's own principal, source and bucket,
/// so no map of alerts is needed.</para>
/// <para>The details kept are references to the alerts, so the repeat count printed on each is its final one when
/// the report is written after the stream ends. They are the <c>maxDetails</c> most severe alerts, earliest first among
/// equals (a priority queue evicts the least severe, latest one), so a cap never hides a critical alert behind earlier
/// low ones.</para>
/// <para>Memory: one entry per group, each with the distinct names of the other dimensions it lists, plus the kept
/// details. It does not grow with alerts or repeats, except with <c>--details all</c>, which keeps every alert.</para>
/// </remarks>
public sealed class AlertGroups
{
    private static readonly Comparer<(SensitivityLevel Severity, long Order)> DroppedFirst = Comparer<(SensitivityLevel Severity, long Order)>.Create(
        (a, b) => a.Severity != b.Severity ? a.Severity.CompareTo(b.Severity) : b.Order.CompareTo(a.Order));

    private readonly Dictionary<(string, string), AlertGroup> _groups = [];
    private readonly int? _maxDetails;
    private readonly PriorityQueue<(Alert Alert, long Order), (SensitivityLevel, long)> _details = new(DroppedFirst);

    /// <summary>An empty summary.</summary>
    /// <param name="by">The grouping.</param>
    /// <param name="maxDetails">Alerts to keep for printing; null keeps every one.</param>
    public AlertGroups(GroupBy by, int? maxDetails)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDetails ?? 0, nameof(maxDetails));
        By = by;
        _maxDetails = maxDetails;
    }

    /// <summary>The grouping.</summary>
    public GroupBy By { get; }
    /// <summary>Alerts added.</summary>
    public long Alerts { get; private set; }
    /// <summary>Repeats counted.</summary>
    public long Repeats { get; private set; }
    /// <summary>Alerts added but not kept for printing.</summary>
    public long LeftOut => Alerts - _details.Count;

    /// <summary>A summary of alerts whose repeat counts are final.</summary>
    public static AlertGroups Of(IEnumerable<Alert> finished, GroupBy by, int? maxDetails)
    {
        var groups = new AlertGroups(by, maxDetails);
        foreach (var alert in finished)
            groups.AddFinished(alert);
        return groups;
    }

    /// <summary>Counts an alert whose repeat count is final (as scan releases them) and its repeats.</summary>
    public void AddFinished(Alert alert)
    {
        Add(alert);
        AddRepeats(alert, alert.Duplicates);
    }

    /// <summary>Counts a new alert (dedup said it is the first of its kind).</summary>
    public void Add(Alert alert)
    {
        var key = KeyOf(alert);
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new AlertGroup(key, alert, By);
        group.Add(alert);
        var order = Alerts++;
        if (_maxDetails is not { } max || _details.Count < max)
            _details.Enqueue((alert, order), (alert.Severity, order));
        else if (max > 0)
            _details.EnqueueDequeue((alert, order), (alert.Severity, order));
    }

    /// <summary>Counts <paramref name="count"/> events that dedup counted on <paramref name="alert"/>.</summary>
    /// <exception cref="InvalidOperationException">The alert was never added.</exception>
    public void AddRepeats(Alert alert, long count = 1)
    {
        if (count == 0)
            return;
        if (!_groups.TryGetValue(KeyOf(alert), out var group))
            throw new InvalidOperationException($"a repeat of alert {alert.Candidate.Access.EventId}, which was never added");
        group.Repeats += count;
        Repeats += count;
    }

    /// <summary>The groups, most severe first, then most alerts, most repeats, earliest.</summary>
    public IReadOnlyList<AlertGroup> Ranked() =>
        _groups.Values
            .OrderByDescending(g => g.Highest)
            .ThenByDescending(g => g.Alerts)
            .ThenByDescending(g => g.Repeats)
            .ThenBy(g => g.First)
            .ThenBy(g => g.Key.Item1, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Item2, StringComparer.Ordinal)
            .ToList();

    /// <summary>The alerts kept for printing: most severe first, then in the order they were added (time order).</summary>
    public IReadOnlyList<Alert> Details() =>
        _details.UnorderedItems
            .OrderByDescending(d => d.Element.Alert.Severity)
            .ThenBy(d => d.Element.Order)
            .Select(d => d.Element.Alert)
            .ToList();

    private (string, string) KeyOf(Alert alert)
    {
        var access = alert.Candidate.Access;
        return By switch
        {
            GroupBy.PrincipalAndSource => (access.Principal.DedupIdentity, access.Source.Label),
            GroupBy.Principal => (access.Principal.DedupIdentity, ""),
            GroupBy.Source => (access.Source.Label, ""),
            _ => (access.ReadObject.Bucket, ""),
        };
    }
}
