using System.Buffers;
using System.Text.Json;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Cli.Output;

/// <summary>
/// `--format csv`: a header row, then one row per alert as it comes (RFC 4180: CRLF line ends, a field quoted when it
/// holds a comma, quote or line break, quotes doubled). The columns are the `--format jsonl` alert fields, nested
/// objects flattened with dots (`principal.arn`) and `reasons` joined with "; ". Each row is the alert's JSON read
/// back, so the two formats cannot drift apart: a field the JSON gains without a column here fails loudly.
/// </summary>
/// <remarks>
/// Principals, keys and user agents are attacker-controlled, and a spreadsheet runs a cell that starts with = + - @
/// (or a tab or carriage return, which some treat alike) as a formula: such a value gets a leading ' (OWASP's CSV
/// injection advice), which spreadsheets show as text. Numbers are written as they are.
/// </remarks>
public static class CsvAlerts
{
    /// <summary>The columns, in the order `AlertJson` writes the fields.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "kind", "eventId", "time", "severity", "account", "accountAlias", "bucket", "key", "copyDestination.bucket", "copyDestination.key", "eventName", "outcome",
        "errorMessage", "bytesTransferredOut", "principal.type", "principal.name", "principal.arn", "principal.issuerArn", "principal.account",
        "principal.accessKeyId", "principal.sessionName", "source.ip", "source.name", "source.vpcEndpointId", "source.userAgent",
        "matchedRule.type", "matchedRule.value", "matchedRule.level", "matchedRule.bucket", "matchedRule.matchedObject", "reasons",
        "duplicates", "region", "recipientAccountId",
    ];

    private static readonly Dictionary<string, int> ColumnIndex = Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    /// <summary>Writes the header and one row per alert.</summary>
    public static void Write(TextWriter output, IEnumerable<Alert> alerts)
    {
        var writer = new Writer(output);
        foreach (var alert in alerts)
            writer.Alert(alert);
    }

    /// <summary>Writes rows while the scan runs, without holding the alerts: the header at once, then a row per <see cref="Alert"/>.</summary>
    public sealed class Writer
    {
        private readonly TextWriter _output;
        private readonly ArrayBufferWriter<byte> _buffer = new(2048);
        private readonly string[] _row = new string[Columns.Count];

        public Writer(TextWriter output)
        {
            _output = output;
            WriteRow(output, Columns.Select(Field));
        }

        public void Alert(Alert alert)
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer))
                AlertJson.Write(writer, alert.Candidate, alert.Duplicates);
            using var json = JsonDocument.Parse(_buffer.WrittenMemory);
            Array.Fill(_row, "");
            Flatten(json.RootElement, "", _row);
            WriteRow(_output, _row);
        }
    }

    /// <summary>A field as RFC 4180 writes it, defused first when a spreadsheet would read it as a formula.</summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static void Flatten(JsonElement element, string prefix, string[] row)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = prefix + property.Name;
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object)
            {
                Flatten(value, name + ".", row);
                continue;
            }
            if (!ColumnIndex.TryGetValue(name, out var column))
                throw new InvalidOperationException($"the alert's JSON has a field {name} that --format csv has no column for");
            row[column] = value.ValueKind switch
            {
                JsonValueKind.String => Field(value.GetString()!),
                JsonValueKind.Array => Field(string.Join("; ", value.EnumerateArray().Select(v => v.ToString()))),
                JsonValueKind.Null => "",
                _ => value.GetRawText(), // numbers: never negative here, and a leading ' would make them text
            };
        }
    }

    /// <summary>Cells already in CSV form, joined into one CRLF-terminated line.</summary>
    private static void WriteRow(TextWriter output, IEnumerable<string> cells) => output.Write(string.Join(',', cells) + "\r\n");
}
