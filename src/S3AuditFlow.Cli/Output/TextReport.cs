using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>The default, human-readable scan report: alerts first, then what was evaluated.</summary>
public static class TextReport
{
    /// <summary>Writes the report.</summary>
    public static void Write(TextWriter output, ScanResult result, AuditConfig config)
    {
        var alerts = result.Alerts;
        output.WriteLine(alerts.Count switch
        {
            0 => $"No alerts in {result.Total:N0} events from {Plural(result.Files.Count, "input")}.",
            _ => $"{Plural(alerts.Count, "alert")} in {result.Total:N0} events from {Plural(result.Files.Count, "input")}:",
        });
        foreach (var alert in alerts)
            WriteAlert(output, alert, config);
        WriteHarvests(output, result.Harvests);

        output.WriteLine();
        output.WriteLine("Verdicts");
        foreach (var verdict in VerdictNames.All)
            output.WriteLine($"  {verdict.Name(),-14}{result.Count(verdict),12:N0}");
        output.WriteLine($"  {"total",-14}{result.Total,12:N0}");

        output.WriteLine();
        output.WriteLine("Per input");
        var width = Math.Clamp(result.Files.Max(f => (int?)f.File.Length) ?? 5, 5, 60);
        output.WriteLine($"  {"input".PadRight(width)} {"events",9} {"alert",6} {"dup",6} {"allow",8} {"not-sens",9} {"not-mon",9} {"ignored",8} {"malformed",9}");
        foreach (var file in result.Files)
        {
            output.WriteLine($"  {Shorten(file.File, width).PadRight(width)} {file.Total,9:N0} {file.Count(Verdict.Alert),6:N0} {file.Count(Verdict.Duplicate),6:N0} "
                + $"{file.Count(Verdict.Allowlisted),8:N0} {file.Count(Verdict.NotSensitive),9:N0} {file.Count(Verdict.NotMonitored),9:N0} "
                + $"{file.Count(Verdict.Ignored),8:N0} {file.Count(Verdict.Malformed),9:N0}");
        }
    }

    private static void WriteAlert(TextWriter output, Alert alert, AuditConfig config)
    {
        var access = alert.Candidate.Access;
        var principal = access.Principal;
        output.WriteLine();
        output.WriteLine($"[{alert.Severity.Name().ToUpperInvariant()}] {access.EventTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z  {access.EventName}  s3://{access.ReadObject}");
        if (access.CopyDestination is { } destination)
            output.WriteLine($"  copied to  s3://{destination}");
        output.WriteLine($"  principal  {principal.Label} ({principal.Type}{(principal.Arn is null ? "" : ", " + principal.Arn)}{(principal.AccessKeyId is null ? "" : ", key " + principal.AccessKeyId)})");
        output.WriteLine($"  source     {access.Source.Label}{(access.Source.UserAgent is null ? "" : "  " + access.Source.UserAgent)}");
        output.WriteLine($"  outcome    {access.Outcome}{(access.BytesTransferredOut is { } bytes ? $", {bytes:N0} bytes out" : "")}");
        foreach (var reason in alert.Candidate.Reasons)
            output.WriteLine($"  why        {reason}");
        if (alert.Duplicates > 0)
            output.WriteLine($"  repeats    {Plural(alert.Duplicates, "more event")} counted on this alert (same access within {DedupReasons.FormatWindow(config.DedupWindow)}, or past the burst limit)");
        output.WriteLine($"  event      {access.EventId}");
    }

    /// <summary>One line per burst that reached a harvest threshold, with its final counts.</summary>
    private static void WriteHarvests(TextWriter output, IReadOnlyList<HarvestTally> harvests)
    {
        if (harvests.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine($"Harvests ({Plural(harvests.Count, "burst")} reached a harvest threshold)");
        foreach (var h in harvests)
        {
            var first = h.FirstTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var last = h.LastTime.UtcDateTime.ToString(h.LastTime.Date == h.FirstTime.Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var thresholds = string.Join(", ", h.Crossed.Select(t => t.ToString("N0", CultureInfo.InvariantCulture)));
            output.WriteLine($"  [CRITICAL] {h.Principal} from {h.Source} on {h.Bucket}{(h.Outcome == "failed" ? " (refused)" : "")}: "
                + $"{Plural(h.Objects, "object")}, {h.Bytes:N0} bytes out, {first}Z – {last}Z, thresholds crossed {thresholds}; harvest {h.HarvestId}");
        }
    }

    private static string Plural(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n:N0} {noun}s";

    private static string Shorten(string text, int width) => text.Length <= width ? text : "…" + text[^(width - 1)..];
}
