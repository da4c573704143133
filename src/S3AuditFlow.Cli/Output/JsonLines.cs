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
    /// time order; a harvest notification follows the alerts up to the read that crossed its threshold. It writes
    /// while the scan runs: give <see cref="Alert"/> and <see cref="Harvest"/> to <see cref="ScanOptions"/>, then
    /// call <see cref="Finish"/>.
    /// </summary>
    public sealed class AlertStream(TextWriter output)
    {
        private readonly Queue<HarvestNotice> _harvests = new();

        /// <summary>An alert, once final; notices of reads before it go first.</summary>
        public void Alert(Alert alert)
        {
            while (_harvests.TryPeek(out var notice) && notice.LastTime < alert.Candidate.Access.EventTime)
                WriteHarvest(output, _harvests.Dequeue());
            WriteLine(output, writer => AlertJson.Write(writer, alert.Candidate, alert.Duplicates));
        }

        /// <summary>A harvest notice as dedup raises it: written before the first later alert, or at the end.</summary>
        public void Harvest(HarvestNotice notice) => _harvests.Enqueue(notice);

        /// <summary>The notices no alert followed.</summary>
        public void Finish()
        {
            while (_harvests.TryDequeue(out var notice))
                WriteHarvest(output, notice);
        }
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
