using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Scanning;

namespace S3AuditFlow.Cli.Output;

/// <summary>Machine-readable output: alerts or verdicts, one JSON object per line.</summary>
public static class JsonLines
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false };

    /// <summary>
    /// `--format jsonl`: one line per alert (`"kind": "alert"`) and per harvest notification (`"kind": "harvest"`), in
    /// time order; a harvest notification follows the alerts up to the read that crossed its threshold.
    /// </summary>
    public static void WriteAlerts(TextWriter output, IReadOnlyList<Alert> alerts, IReadOnlyList<HarvestNotice> harvests)
    {
        var h = 0;
        foreach (var alert in alerts)
        {
            for (; h < harvests.Count && harvests[h].LastTime < alert.Candidate.Access.EventTime; h++)
                WriteHarvest(output, harvests[h]);
            WriteLine(output, writer => AlertJson.Write(writer, alert.Candidate, alert.Duplicates));
        }
        for (; h < harvests.Count; h++)
            WriteHarvest(output, harvests[h]);
    }

    private static void WriteHarvest(TextWriter output, HarvestNotice notice) => WriteLine(output, writer => HarvestJson.Write(writer, notice));

    /// <summary>`--verdicts`: {"eventId", "verdict", "reason", "file", "line"} per evaluated value, in input order.</summary>
    public static void WriteVerdicts(TextWriter output, IEnumerable<VerdictLine> verdicts)
    {
        foreach (var v in verdicts)
        {
            WriteLine(output, writer =>
            {
                writer.WriteStartObject();
                if (v.EventId is null)
                    writer.WriteNull("eventId");
                else
                    writer.WriteString("eventId", v.EventId);
                writer.WriteString("verdict", v.Verdict.Name());
                writer.WriteString("reason", v.Reason);
                writer.WriteString("file", v.File);
                writer.WriteNumber("line", v.Line);
                writer.WriteEndObject();
            });
        }
    }

    private static void WriteLine(TextWriter output, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Compact))
            write(writer);
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
