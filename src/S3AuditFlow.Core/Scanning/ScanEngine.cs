using System.Runtime.InteropServices;
using System.Text.Json;
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
/// <param name="OnAlert">
/// Receives each alert once its repeat count is final, in time order, while the scan goes on; then
/// <see cref="ScanResult.Alerts"/> stays empty, so memory does not grow with the alerts. Null: they are collected there.
/// </param>
/// <param name="MemoryBudgetBytes">
/// Memory for alert candidates waiting for dedup; past it they are sorted into temporary files and merged back
/// (<see cref="CandidateRuns"/>). Ignored with <paramref name="KeepVerdicts"/>, which keeps everything anyway.
/// </param>
/// <param name="OnHarvest">Receives each harvest notice as dedup raises it (before the alerts that follow it are released).</param>
/// <param name="OnCandidate">
/// Receives every alert candidate (every untrusted read of a sensitive object, not only the alerts dedup keeps) with
/// dedup's decision on it, in (eventTime, eventID, content) order on one thread: `allowlist suggest` learns from them.
/// </param>
public sealed record ScanOptions(bool KeepVerdicts = false, int Parallelism = 0, Action<long>? OnBytesRead = null, Action<Alert>? OnAlert = null,
    long MemoryBudgetBytes = ScanOptions.DefaultMemoryBudgetBytes, Action<HarvestNotice>? OnHarvest = null,
    Action<AlertCandidate, DedupDecision>? OnCandidate = null)
{
    /// <summary>64 MiB: a few hundred thousand candidates before anything is written to disk.</summary>
    public const long DefaultMemoryBudgetBytes = 64L << 20;
}

/// <summary>
/// `s3audit scan`: streams every input through the evaluator in parallel, then dedups the alert candidates in
/// (eventTime, eventID, content) order, so the alerts do not depend on which file a thread happened to finish first
/// nor on the order the inputs were given. Memory does not grow with the input nor with the alerts: candidates past
/// a budget wait in sorted temporary runs, dedup forgets what ended, and alerts go to <see cref="ScanOptions.OnAlert"/>
/// as soon as they are final.
/// </summary>
/// <param name="window">--since/--until: data events outside it are counted as outside-window, not judged.</param>
public sealed class ScanEngine(AuditConfig config, TimeWindow? window = null)
{
    private readonly AccessEvaluator _evaluator = new(config, window);

    private sealed class InputScan(string file, CandidateRuns candidates)
    {
        public FileSummary Summary { get; } = new(file);
        public CandidateRuns Candidates { get; } = candidates;
        public List<InputError> Errors { get; } = [];
        public List<VerdictLine>? Verdicts { get; set; }
    }

    /// <summary>Scans the inputs.</summary>
    public ScanResult Scan(IReadOnlyList<ScanInput> inputs, ScanOptions? options = null)
    {
        options ??= new ScanOptions();
        using var candidates = new CandidateRuns(options.KeepVerdicts ? long.MaxValue : options.MemoryBudgetBytes);
        var scans = new InputScan[inputs.Count];
        try
        {
            Parallel.For(0, inputs.Count,
                new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount },
                i => scans[i] = ScanOne(inputs[i], i, candidates, options));
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<SpillException>().FirstOrDefault() is { } spill)
        {
            throw spill;
        }

        var alerts = new List<Alert>();
        var deduplicator = new InMemoryDeduplicator(config.DedupWindow, config.BurstLimit, config.Harvest);
        var notices = new List<HarvestNotice>();
        var open = new OpenAlerts(config.DedupWindow, options.OnAlert ?? alerts.Add);
        Deduplicate(candidates.Merged(), scans, deduplicator, open, notice =>
        {
            notices.Add(notice);
            options.OnHarvest?.Invoke(notice);
        }, options.OnCandidate);
        var verdicts = options.KeepVerdicts ? scans.SelectMany(s => s.Verdicts!).ToList() : null;
        return new ScanResult(alerts, scans.Select(s => s.Summary).ToList(), scans.SelectMany(s => s.Errors).ToList(), verdicts)
        {
            HarvestNotices = notices,
            Harvests = deduplicator.Harvests,
            AlertCount = open.Count,
            SpilledCandidates = candidates.Spilled,
            SpilledRuns = candidates.RunsWritten,
        };
    }

    private void Deduplicate(IEnumerable<PendingCandidate> ordered, InputScan[] scans, InMemoryDeduplicator deduplicator, OpenAlerts open, Action<HarvestNotice> raised,
        Action<AlertCandidate, DedupDecision>? decided)
    {
        foreach (var pending in ordered)
        {
            var candidate = pending.Candidate ?? EvaluateAgain(pending);
            open.AdvanceTo(candidate.Access.EventTime);
            var decision = deduplicator.Decide(candidate);
            if (decision.Harvest is { } notice)
                raised(notice);
            decided?.Invoke(candidate, decision);
            Verdict verdict;
            string reason;
            if (decision.IsFirst)
            {
                open.Add(new Alert(candidate));
                (verdict, reason) = (Verdict.Alert, candidate.Reason);
            }
            else
            {
                if (!decision.SameEvent)
                    open.CountRepeat(decision.RepeatsEventId!);
                (verdict, reason) = (Verdict.Duplicate, decision.Reason);
            }
            scans[pending.Input].Summary.Add(verdict);
            if (pending.Line is { } line)
            {
                line.Verdict = verdict;
                line.Reason = reason;
            }
        }
        open.ReleaseAll();
    }

    /// <summary>A candidate read back from a temporary run: the same record gives the same candidate.</summary>
    private AlertCandidate EvaluateAgain(PendingCandidate pending)
    {
        using var document = JsonDocument.Parse(pending.Record);
        return _evaluator.Evaluate(document.RootElement).Candidate
            ?? throw new InvalidOperationException($"record {pending.EventId} was an alert candidate when read but not when read back");
    }

    private InputScan ScanOne(ScanInput input, int index, CandidateRuns candidates, ScanOptions options)
    {
        var scan = new InputScan(input.Name, candidates) { Verdicts = options.KeepVerdicts ? [] : null };
        try
        {
            using var raw = input.Open(options.OnBytesRead);
            using var reader = new JsonRecordReader(raw, _evaluator.Triage);
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
            evaluation = record.Triaged is { } triaged
                ? Evaluation.EvaluationResult.Decided(triaged)
                : _evaluator.Evaluate(record.Element);
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
            var bytes = JsonMarshal.GetRawUtf8Value(record.Element).ToArray();
            scan.Candidates.Add(new PendingCandidate(candidate.Access.EventTime, candidate.Access.EventId, SHA256.HashData(bytes), index, record.Ordinal, bytes, candidate, line));
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
