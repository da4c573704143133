using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>What the text report shows: how its summary groups alerts, and how many alerts it prints one by one.</summary>
/// <param name="GroupBy">`--group-by`.</param>
/// <param name="Details">`--details`: alerts printed after the summary; null prints every one.</param>
public sealed record ReportOptions(GroupBy GroupBy = GroupBy.PrincipalAndSource, int? Details = ReportOptions.DefaultDetails)
{
    /// <summary>Alerts printed one by one unless `--details` says otherwise.</summary>
    public const int DefaultDetails = 50;
}

/// <summary>
/// The default, human-readable scan report, in the order a person triages: who raised alerts (grouped), the harvests,
/// the individual alerts (capped), then what was evaluated.
/// </summary>
public static class TextReport
{
    /// <summary>Writes the report of a scan whose alerts went into <paramref name="groups"/> as it ran.</summary>
    public static void Write(TextWriter output, ScanResult result, AlertGroups groups, AuditConfig config)
    {
        var inputs = Plural(result.Files.Count, "input");
        output.WriteLine(groups.Alerts == 0
            ? $"No alerts in {result.Total:N0} events from {inputs}."
            : $"{Plural(groups.Alerts, "alert")} in {result.Total:N0} events from {inputs}:");
        if (groups.Alerts > 0)
            WriteSummary(output, groups);
        WriteHarvests(output, result.Harvests);
        if (groups.Alerts > 0)
            WriteDetails(output, groups, config);

        output.WriteLine();
        output.WriteLine("Verdicts");
        // outside-window only happens with --since/--until: listed when it did.
        foreach (var verdict in VerdictNames.All.Where(v => v != Verdict.OutsideWindow || result.Count(v) > 0))
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

    /// <summary>One row per group, most severe first: what to look at first, before any single alert.</summary>
    private static void WriteSummary(TextWriter output, AlertGroups groups)
    {
        var ranked = groups.Ranked();
        // Two principals may share a label (role/admin in two accounts of an organization trail): name them in full.
        var shared = ranked.Where(g => g.Principal is not null)
            .GroupBy(g => g.Principal!, StringComparer.Ordinal)
            .Where(same => same.Select(g => g.PrincipalIdentity).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(same => same.Key)
            .ToHashSet(StringComparer.Ordinal);
        string PrincipalOf(AlertGroup g) => shared.Contains(g.Principal!) ? $"{g.Principal} ({g.PrincipalIdentity})" : g.Principal!;

        (string Header, Func<AlertGroup, string> Cell)[] columns = groups.By switch
        {
            GroupBy.PrincipalAndSource => [("principal", PrincipalOf), ("source", g => g.Source!), ("buckets", g => Names(g.Buckets))],
            GroupBy.Principal => [("principal", PrincipalOf), ("sources", g => Names(g.Sources)), ("buckets", g => Names(g.Buckets))],
            GroupBy.Source => [("source", g => g.Source!), ("principals", g => Names(g.Principals)), ("buckets", g => Names(g.Buckets))],
            _ => [("bucket", g => g.Bucket!), ("principals", g => Names(g.Principals)), ("sources", g => Names(g.Sources))],
        };
        output.WriteLine();
        output.WriteLine($"Alerts by {Dimension(groups.By)}: {Plural(ranked.Count, "group")}, {Plural(groups.Alerts, "alert")}, "
            + $"{Plural(groups.Repeats, "repeat")}; most severe first, then most alerts");
        string[] header = ["alerts", "repeats", "severities", "first – last alert", .. columns.Select(c => c.Header)];
        var rows = ranked.Select(g => (string[])
            [$"{g.Alerts:N0}", $"{g.Repeats:N0}", Severities(g), Span(g.First, g.Last), .. columns.Select(c => c.Cell(g))]).ToList();
        TextTable.Write(output, header, rows, "  ", 0, 1);
    }

    /// <summary>The alerts kept, with a line saying how many were left out and how to see them.</summary>
    private static void WriteDetails(TextWriter output, AlertGroups groups, AuditConfig config)
    {
        var details = groups.Details();
        output.WriteLine();
        output.WriteLine(groups.LeftOut == 0
            ? $"Alert details ({Plural(details.Count, "alert")}, most severe first, then in time order)"
            : $"Alert details ({details.Count:N0} of {groups.Alerts:N0}, most severe first, then in time order)");
        foreach (var alert in details)
            WriteAlert(output, alert, config);
        if (groups.LeftOut > 0)
        {
            output.WriteLine();
            output.WriteLine($"  … {Plural(groups.LeftOut, "more alert")} not shown: --details all (or a larger --details N) prints them; "
                + "--format jsonl or csv lists every alert.");
        }
    }

    private static string Dimension(GroupBy by) => by switch
    {
        GroupBy.PrincipalAndSource => "principal and source",
        GroupBy.Principal => "principal",
        GroupBy.Source => "source",
        _ => "bucket",
    };

    /// <summary>"2 critical, 1 high": the group's alerts per severity, highest first.</summary>
    private static string Severities(AlertGroup group) =>
        string.Join(", ", Enum.GetValues<SensitivityLevel>().Reverse().Where(l => group.Count(l) > 0).Select(l => $"{group.Count(l):N0} {l.Name()}"));

    /// <summary>The names of a group's other dimension, most alerts first: at most two, then how many more.</summary>
    private static string Names(IReadOnlyDictionary<string, long> names)
    {
        var shown = names.OrderByDescending(n => n.Value).ThenBy(n => n.Key, StringComparer.Ordinal).Take(2).Select(n => n.Key);
        return string.Join(", ", shown) + (names.Count > 2 ? $" +{names.Count - 2:N0} more" : "");
    }

    private static void WriteAlert(TextWriter output, Alert alert, AuditConfig config)
    {
        var access = alert.Candidate.Access;
        var principal = access.Principal;
        output.WriteLine();
        output.WriteLine($"[{alert.Severity.Name().ToUpperInvariant()}] {Time(access.EventTime)}  {access.EventName}  s3://{access.ReadObject}");
        if (access.CopyDestination is { } destination)
            output.WriteLine($"  copied to  s3://{destination}");
        if (alert.Candidate.AccountLabel is { } account)
            output.WriteLine($"  account    {account}");
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
            var thresholds = string.Join(", ", h.Crossed.Select(t => t.ToString("N0", CultureInfo.InvariantCulture)));
            output.WriteLine($"  [CRITICAL] {h.Principal} from {h.Source} on {h.Bucket}{(h.Account is null ? "" : " in " + AccountId.Label(h.Account, h.AccountAlias))}{(h.Outcome == "failed" ? " (refused)" : "")}: "
                + $"{Plural(h.Objects, "object")}, {h.Bytes:N0} bytes out, {Span(h.FirstTime, h.LastTime)}, thresholds crossed {thresholds}; harvest {h.HarvestId}");
        }
    }

    /// <summary>"2025-06-14 02:31:05Z – 02:37:06Z": the date once when both times share it.</summary>
    private static string Span(DateTimeOffset first, DateTimeOffset last) =>
        $"{Time(first)} – {last.UtcDateTime.ToString(last.UtcDateTime.Date == first.UtcDateTime.Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    private static string Plural(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n:N0} {noun}s";

    private static string Shorten(string text, int width) => text.Length <= width ? text : "…" + text[^(width - 1)..];
}
