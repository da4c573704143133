using System.Globalization;
using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Suggestions;

namespace S3AuditFlow.Cli.Output;

/// <summary>`allowlist suggest`'s output: a table to review, or the same as one JSON document.</summary>
internal static class SuggestionReportWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The reviewable report: suggestions with their entries, then what is never suggested and why.</summary>
    public static void WriteText(TextWriter output, SuggestionReport report, ScanResult scanned, string? writtenTo)
    {
        var span = report.First is { } first && report.Last is { } last ? $" from {Short(first)} to {Short(last)}" : "";
        output.WriteLine(F($"History: {scanned.Total:N0} events read; {report.Reads:N0} untrusted reads of sensitive objects (what the current allowlist alerts on, before dedup){span}, in {report.Groups:N0} groups of principal, source and bucket."));
        output.WriteLine(F($"Routine means: seen on at least {report.Options.MinDays} distinct days, busiest day at most {RoutineRules.SteadyFactor}x the median day (or {RoutineRules.SteadySlack} reads more), and none of the patterns under \"worth a look\"."));
        output.WriteLine();

        output.WriteLine(F($"Suggested: {report.Suggestions.Count} behaviours, {report.Entries.Count} new entries; they would trust {report.TrustedReads:N0} of the {report.Reads:N0} reads."));
        if (report.Suggestions.Count > 0)
        {
            var rows = report.Suggestions.Select(s => Row(s.Activity, string.Join(", ", s.NewEntries.Select(e => e.Kind.ToString().ToLowerInvariant())) is { Length: > 0 } kinds ? kinds : "(none: already trusted)")).ToList();
            TextTable.Write(output, ["principal", "source", "bucket", "events", "objects", "days", "first", "last", "new entries", "sample keys"], rows, "  ", 3, 4, 5);
            foreach (var s in report.Suggestions.Where(s => s.Narrowed is not null || s.Activity.Addresses.Count > 0))
            {
                if (s.Activity.Addresses.Count > 0)
                    output.WriteLine($"  {s.Activity.Source} covers {string.Join(", ", s.Activity.Addresses)}, each routine on its own");
                if (s.Narrowed is not null)
                    output.WriteLine($"  {s.Activity.Principal} from {s.Activity.Source}: narrowed to {s.Narrowed}");
            }
        }
        output.WriteLine();
        if (report.Entries.Count > 0)
        {
            output.WriteLine(writtenTo is null
                ? "New entries (write them with --output FILE, review the file, then apply it: s3audit allowlist import FILE):"
                : $"New entries (written to {writtenTo}; review it, then apply it: s3audit allowlist import {writtenTo}):");
            foreach (var entry in report.Entries)
                output.WriteLine("  " + entry.Describe());
            output.WriteLine();
        }

        Findings(output, F($"Worth a look: {report.WorthALook.Count} (never suggested; they keep alerting)"), report.WorthALook);
        Findings(output, F($"Not yet routine: {report.NotYetRoutine.Count} (nothing suspicious, but too few days to call routine; they keep alerting)"), report.NotYetRoutine);
        Findings(output, F($"Held back: {report.HeldBack.Count} (routine, but trust is source AND principal: their entries would also trust something not suggested)"), report.HeldBack);
    }

    /// <summary>The same report as one JSON object.</summary>
    public static void WriteJson(TextWriter output, SuggestionReport report, ScanResult scanned)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("events", scanned.Total);
            writer.WriteNumber("untrustedSensitiveReads", report.Reads);
            if (report.First is { } first && report.Last is { } last)
            {
                writer.WriteString("first", IsoTime.Format(first));
                writer.WriteString("last", IsoTime.Format(last));
            }
            writer.WriteNumber("groups", report.Groups);
            writer.WriteNumber("minDays", report.Options.MinDays);
            writer.WriteBoolean("widen", report.Options.Widen);
            writer.WriteNumber("trustedReads", report.TrustedReads);
            writer.WriteStartArray("suggestions");
            foreach (var s in report.Suggestions)
            {
                writer.WriteStartObject();
                Activity(writer, s.Activity);
                writer.WriteStartArray("newEntries");
                foreach (var e in s.NewEntries)
                    Entry(writer, e);
                writer.WriteEndArray();
                if (s.Narrowed is not null)
                    writer.WriteString("narrowed", s.Narrowed);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartArray("entries");
            foreach (var e in report.Entries)
                Entry(writer, e);
            writer.WriteEndArray();
            FindingsJson(writer, "worthALook", report.WorthALook);
            FindingsJson(writer, "notYetRoutine", report.NotYetRoutine);
            FindingsJson(writer, "heldBack", report.HeldBack);
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Findings(TextWriter output, string title, IReadOnlyList<Finding> findings)
    {
        output.WriteLine(title);
        var number = 0;
        foreach (var finding in findings)
        {
            var a = finding.Activity;
            output.WriteLine(F($"  {++number}. {a.Principal} from {a.Source} in {a.Bucket}: {a.Events:N0} reads, {Objects(a)} objects, {a.Days} day(s), {Short(a.First)} to {Short(a.Last)}"));
            foreach (var reason in finding.Reasons)
                output.WriteLine("     - " + reason);
            output.WriteLine("     keys: " + string.Join(", ", a.SampleKeys));
        }
        output.WriteLine();
    }

    private static string[] Row(ActivitySummary a, string entries) =>
        [a.Principal, a.Source, a.Bucket ?? "(all)", a.Events.ToString("N0", Invariant), Objects(a), a.Days.ToString(Invariant), Short(a.First), Short(a.Last), entries, string.Join(", ", a.SampleKeys.Take(2))];

    private static string Objects(ActivitySummary a) => (a.ObjectsExact ? "" : "~") + a.Objects.ToString("N0", Invariant);

    private static string Short(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant);

    private static string F(FormattableString text) => text.ToString(Invariant);

    private static void Activity(Utf8JsonWriter writer, ActivitySummary a)
    {
        if (a.Account is not null)
            writer.WriteString("account", a.Account);
        writer.WriteString("principal", a.Principal);
        writer.WriteString("source", a.Source);
        if (a.Bucket is null)
            writer.WriteNull("bucket");
        else
            writer.WriteString("bucket", a.Bucket);
        writer.WriteNumber("events", a.Events);
        writer.WriteNumber("objects", a.Objects);
        writer.WriteBoolean("objectsExact", a.ObjectsExact);
        writer.WriteNumber("days", a.Days);
        writer.WriteString("first", IsoTime.Format(a.First));
        writer.WriteString("last", IsoTime.Format(a.Last));
        writer.WriteStartArray("sampleKeys");
        foreach (var key in a.SampleKeys)
            writer.WriteStringValue(key);
        writer.WriteEndArray();
        if (a.Addresses.Count > 0)
        {
            writer.WriteStartArray("addresses");
            foreach (var address in a.Addresses)
                writer.WriteStringValue(address);
            writer.WriteEndArray();
        }
    }

    private static void Entry(Utf8JsonWriter writer, Core.Trust.AllowlistEntry e)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", e.Kind.ToString().ToLowerInvariant());
        writer.WriteString("value", e.Value);
        if (e.Account is not null)
            writer.WriteString("account", e.Account);
        if (e.Bucket is not null)
            writer.WriteString("bucket", e.Bucket);
        if (e.Note is not null)
            writer.WriteString("note", e.Note);
        writer.WriteEndObject();
    }

    private static void FindingsJson(Utf8JsonWriter writer, string name, IReadOnlyList<Finding> findings)
    {
        writer.WriteStartArray(name);
        foreach (var f in findings)
        {
            writer.WriteStartObject();
            Activity(writer, f.Activity);
            writer.WriteStartArray("reasons");
            foreach (var reason in f.Reasons)
                writer.WriteStringValue(reason);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
