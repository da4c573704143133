using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Core.Scanning;

/// <summary>The verdict of one evaluated value, for `scan --verdicts`.</summary>
public sealed class VerdictLine(string? eventId, Verdict verdict, string reason, string file, long line, long ordinal)
{
    /// <summary>The record's eventID (or the EventBridge event's id), when it has one.</summary>
    public string? EventId { get; } = eventId;
    /// <summary>The verdict; set again once dedup has judged an alert candidate.</summary>
    public Verdict Verdict { get; internal set; } = verdict;
    /// <summary>Why.</summary>
    public string Reason { get; internal set; } = reason;
    /// <summary>Input the value came from.</summary>
    public string File { get; } = file;
    /// <summary>Line where the value starts.</summary>
    public long Line { get; } = line;
    /// <summary>Position of the value in its input.</summary>
    public long Ordinal { get; } = ordinal;
}

/// <summary>Input that could not be read, reported with where it stood.</summary>
public sealed record InputError(string File, long Line, string Message);

/// <summary>Verdict counts for one input.</summary>
public sealed class FileSummary(string file)
{
    private readonly long[] _counts = new long[VerdictNames.All.Length];

    /// <summary>The input.</summary>
    public string File { get; } = file;

    /// <summary>Values evaluated in this input.</summary>
    public long Total => _counts.Sum();

    /// <summary>How many values got <paramref name="verdict"/>.</summary>
    public long Count(Verdict verdict) => _counts[(int)verdict];

    internal void Add(Verdict verdict, long n = 1) => _counts[(int)verdict] += n;
}

/// <summary>Everything a scan found.</summary>
public sealed class ScanResult(IReadOnlyList<Alert> alerts, IReadOnlyList<FileSummary> files, IReadOnlyList<InputError> errors, IReadOnlyList<VerdictLine>? verdicts)
{
    /// <summary>Alerts in time order; empty when they went to <see cref="ScanOptions.OnAlert"/>.</summary>
    public IReadOnlyList<Alert> Alerts { get; } = alerts;
    /// <summary>Counts per input, in input order.</summary>
    public IReadOnlyList<FileSummary> Files { get; } = files;
    /// <summary>Unreadable input, in input order.</summary>
    public IReadOnlyList<InputError> Errors { get; } = errors;
    /// <summary>One line per evaluated value in input order, when asked for.</summary>
    public IReadOnlyList<VerdictLine>? Verdicts { get; } = verdicts;

    /// <summary>Harvest notifications in the order they were raised (one per threshold crossed).</summary>
    public IReadOnlyList<HarvestNotice> HarvestNotices { get; init; } = [];

    /// <summary>Bursts that reached a harvest threshold, with their final counts, in the order they first did.</summary>
    public IReadOnlyList<HarvestTally> Harvests { get; init; } = [];

    /// <summary>Alerts raised, also when they went to <see cref="ScanOptions.OnAlert"/>.</summary>
    public long AlertCount { get; init; }

    /// <summary>Alert candidates that waited for dedup in temporary files (memory budget exceeded).</summary>
    public long SpilledCandidates { get; init; }

    /// <summary>Temporary runs those candidates were written in.</summary>
    public int SpilledRuns { get; init; }

    /// <summary>Values evaluated in all inputs.</summary>
    public long Total => Files.Sum(f => f.Total);

    /// <summary>How many values got <paramref name="verdict"/> in all inputs.</summary>
    public long Count(Verdict verdict) => Files.Sum(f => f.Count(verdict));
}
