using System.Globalization;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Scanning;

namespace S3AuditFlow.Cli.Output;

/// <summary>`--stats`: throughput and the process's peak resident memory, for the benchmark.</summary>
public static class ProcessStats
{
    /// <summary>
    /// Writes "stats: N events in S s = R events/s; peak RSS M MB; candidates K (P % of monitored reads); spilled C
    /// candidates". Candidates are the reads dedup judged (alerts and duplicates): what the memory bound is about.
    /// </summary>
    public static void Write(TextWriter error, ScanResult result, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? result.Total / elapsed.TotalSeconds : 0;
        var peak = PeakResidentBytes();
        var candidates = result.Count(Verdict.Alert) + result.Count(Verdict.Duplicate);
        var reads = candidates + result.Count(Verdict.Allowlisted) + result.Count(Verdict.NotSensitive);
        var share = reads > 0 ? 100.0 * candidates / reads : 0;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stats: {result.Total} events in {elapsed.TotalSeconds:F2} s = {rate:F0} events/s; peak RSS {(peak is null ? "unknown" : $"{peak / (1024.0 * 1024):F1} MB")}; candidates {candidates} ({share:F1} % of monitored reads); spilled {result.SpilledCandidates} candidates"));
    }

    /// <summary>VmHWM from /proc/self/status: the high-water mark of resident memory, which the OS keeps for us.</summary>
    private static long? PeakResidentBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.TryParse(kb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value * 1024 : null;
            }
        }
        return null;
    }
}
