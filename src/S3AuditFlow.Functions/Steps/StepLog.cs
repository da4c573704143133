using System.Text.Json;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Logs are data: one JSON line per decision (step, event ID, verdict, reason), never the event itself.</summary>
public static class StepLog
{
    /// <summary>Where lines go; CloudWatch Logs reads stdout.</summary>
    public static TextWriter Output { get; set; } = Console.Out;

    /// <summary>Writes one decision.</summary>
    public static void Decision(string step, string? eventId, string verdict, string reason)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("step", step);
            writer.WriteString("eventId", eventId);
            writer.WriteString("verdict", verdict);
            writer.WriteString("reason", reason);
            writer.WriteEndObject();
        }
        Output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
