using System.Globalization;

namespace S3AuditFlow.Cli.Output;

/// <summary>`--stats`: throughput and the process's peak resident memory, for the benchmark.</summary>
public static class ProcessStats
{
    /// <summary>Writes "stats: N events in S s = R events/s; peak RSS M MB; spilled C candidates".</summary>
    public static void Write(TextWriter error, long events, TimeSpan elapsed, long spilled)
    {
        var rate = elapsed.TotalSeconds > 0 ? events / elapsed.TotalSeconds : 0;
        var peak = PeakResidentBytes();
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stats: {events} events in {elapsed.TotalSeconds:F2} s = {rate:F0} events/s; peak RSS {(peak is null ? "unknown" : $"{peak / (1024.0 * 1024):F1} MB")}; spilled {spilled} candidates"));
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
