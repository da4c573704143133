using System.Runtime.InteropServices;
using System.Security.Cryptography;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Core.Scanning;

/// <summary>How a scan runs.</summary>
/// <param name="KeepVerdicts">Keep one verdict line per value (memory grows with the input; for auditing and tests).</param>
/// <param name="Parallelism">Inputs read at once; defaults to the core count.</param>
/// <param name="OnBytesRead">Called with raw (compressed) bytes read, for progress.</param>
public sealed record ScanOptions(bool KeepVerdicts = false, int Parallelism = 0, Action<long>? OnBytesRead = null);

/// <summary>
/// `s3audit scan`: streams every input through the evaluator in parallel, then dedups the alert candidates in
/// (eventTime, eventID, content) order, so the alerts do not depend on which file a thread happened to finish first
/// nor on the order the inputs were given.
/// </summary>
/// <param name="window">--since/--until: data events outside it are counted as outside-window, not judged.</param>
public sealed class ScanEngine(AuditConfig config, TimeWindow? window = null)
{
    private readonly AccessEvaluator _evaluator = new(config, window);

    /// <param name="ContentHash">SHA-256 of the record's bytes as read, hex: the tie-break after eventTime and eventID.</param>
    private sealed record Pending(AlertCandidate Candidate, string ContentHash, int Input, long Ordinal, VerdictLine? Line);

    private sealed class InputScan(string file)
    {
        public FileSummary Summary { get; } = new(file);
        public List<Pending> Candidates { get; } = [];
        public List<InputError> Errors { get; } = [];
        public List<VerdictLine>? Verdicts { get; set; }
    }

    /// <summary>Scans the inputs.</summary>
    public ScanResult Scan(IReadOnlyList<ScanInput> inputs, ScanOptions? options = null)
    {
        options ??= new ScanOptions();
        var scans = new InputScan[inputs.Count];
        Parallel.For(0, inputs.Count,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount },
            i => scans[i] = ScanOne(inputs[i], i, options));

        var deduplicator = new InMemoryDeduplicator(config.DedupWindow, config.BurstLimit, config.Harvest);
        var notices = new List<HarvestNotice>();
        var alerts = Deduplicate(scans, deduplicator, notices);
        var verdicts = options.KeepVerdicts ? scans.SelectMany(s => s.Verdicts!).ToList() : null;
        return new ScanResult(alerts, scans.Select(s => s.Summary).ToList(), scans.SelectMany(s => s.Errors).ToList(), verdicts)
        {
            HarvestNotices = notices,
            Harvests = deduplicator.Harvests,
        };
    }

    private static List<Alert> Deduplicate(InputScan[] scans, InMemoryDeduplicator deduplicator, List<HarvestNotice> notices)
    {
        var alerts = new List<Alert>();
        var alertsById = new Dictionary<string, Alert>(StringComparer.Ordinal);
        var ordered = scans.SelectMany(s => s.Candidates)
            .OrderBy(p => p.Candidate.Access.EventTime)
            // CloudTrail times are to the second: break ties by event ID so file order never picks the alert, and two
            // records with one eventID and time but different content by their content (the first decides, the other
            // is "already seen"). Input order is left only for identical bytes, where it cannot change an alert.
            .ThenBy(p => p.Candidate.Access.EventId, StringComparer.Ordinal)
            .ThenBy(p => p.ContentHash, StringComparer.Ordinal)
            .ThenBy(p => p.Input)
            .ThenBy(p => p.Ordinal);
        foreach (var pending in ordered)
        {
            var decision = deduplicator.Decide(pending.Candidate);
            if (decision.Harvest is { } notice)
                notices.Add(notice);
            Verdict verdict;
            string reason;
            if (decision.IsFirst)
            {
                var alert = new Alert(pending.Candidate);
                alerts.Add(alert);
                alertsById[pending.Candidate.Access.EventId] = alert;
                (verdict, reason) = (Verdict.Alert, pending.Candidate.Reason);
            }
            else
            {
                alertsById[decision.RepeatsEventId!].CountDuplicate();
                (verdict, reason) = (Verdict.Duplicate, decision.Reason);
            }
            scans[pending.Input].Summary.Add(verdict);
            if (pending.Line is { } line)
            {
                line.Verdict = verdict;
                line.Reason = reason;
            }
        }
        return alerts;
    }

    private InputScan ScanOne(ScanInput input, int index, ScanOptions options)
    {
        var scan = new InputScan(input.Name) { Verdicts = options.KeepVerdicts ? [] : null };
        try
        {
            using var raw = input.Open(options.OnBytesRead);
            using var reader = new JsonRecordReader(raw);
            foreach (var record in reader.Read())
                Evaluate(scan, input, index, record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var error = new RawRecord(default, 0, 0, "cannot read: " + e.Message);
            Evaluate(scan, input, index, error);
        }
        return scan;
    }

    private void Evaluate(InputScan scan, ScanInput input, int index, RawRecord record)
    {
        if (record.IsError)
        {
            scan.Errors.Add(new InputError(input.Name, record.Line, record.Error!));
            Record(scan, input, record, null, Verdict.Malformed, record.Error!);
            return;
        }

        Evaluation.EvaluationResult evaluation;
        try
        {
            evaluation = _evaluator.Evaluate(record.Element);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The evaluator is written never to throw on content; if it ever does, that record is reported, not lost.
            var message = $"could not evaluate record: {e.GetType().Name}: {e.Message}";
            scan.Errors.Add(new InputError(input.Name, record.Line, message));
            Record(scan, input, record, null, Verdict.Malformed, message);
            return;
        }

        if (evaluation.Candidate is { } candidate)
        {
            var line = scan.Verdicts is null ? null : new VerdictLine(candidate.Access.EventId, Verdict.Alert, "", input.Name, record.Line, record.Ordinal);
            scan.Verdicts?.Add(line!);
            scan.Candidates.Add(new Pending(candidate, Convert.ToHexString(SHA256.HashData(JsonMarshal.GetRawUtf8Value(record.Element))), index, record.Ordinal, line));
            return;
        }
        if (evaluation.Final == Verdict.Malformed)
            scan.Errors.Add(new InputError(input.Name, record.Line, evaluation.Reason));
        Record(scan, input, record, evaluation.EventId, evaluation.Final!.Value, evaluation.Reason);
    }

    private static void Record(InputScan scan, ScanInput input, RawRecord record, string? eventId, Verdict verdict, string reason)
    {
        scan.Summary.Add(verdict);
        scan.Verdicts?.Add(new VerdictLine(eventId, verdict, reason, input.Name, record.Line, record.Ordinal));
    }
}
