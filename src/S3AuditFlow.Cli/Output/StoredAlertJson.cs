using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>`alerts list --format json` and `alerts show --format json`: one object per alert.</summary>
public static class StoredAlertJson
{
    /// <summary>The alert as one line of JSON.</summary>
    public static string Write(StoredAlert alert)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", alert.EventId);
            writer.WriteString("time", IsoTime.Format(alert.EventTime));
            writer.WriteString("severity", alert.Severity.Name());
            writer.WriteString("eventName", alert.EventName);
            writer.WriteString("outcome", alert.Outcome);
            writer.WriteString("bucket", alert.Bucket);
            writer.WriteString("key", alert.Key);
            Optional(writer, "account", alert.Account);
            Optional(writer, "accountAlias", alert.AccountAlias);
            Optional(writer, "region", alert.Region);
            writer.WriteString("principal", alert.Principal);
            Optional(writer, "principalArn", alert.PrincipalArn);
            writer.WriteString("source", alert.Source);
            writer.WriteNumber("repeats", alert.Repeats);
            writer.WriteNumber("harvestObjects", alert.HarvestObjects);
            writer.WriteStartArray("reasons");
            foreach (var reason in alert.Reasons)
                writer.WriteStringValue(reason);
            writer.WriteEndArray();
            writer.WriteStartObject("trust");
            Optional(writer, "principal", alert.TrustPrincipal);
            Optional(writer, "source", alert.TrustSource);
            Optional(writer, "refusal", alert.TrustRefusal);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }
}
