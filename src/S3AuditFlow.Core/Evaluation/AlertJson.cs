using S3AuditFlow.Core.Config;
using System.Text.Json;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>The alert's JSON shape, shared by `scan --format jsonl` and the SNS message, so both read alike.</summary>
public static class AlertJson
{
    /// <summary>Writes one alert object.</summary>
    public static void Write(Utf8JsonWriter writer, AlertCandidate candidate, int duplicates)
    {
        var access = candidate.Access;
        writer.WriteStartObject();
        writer.WriteString("kind", "alert");
        writer.WriteString("eventId", access.EventId);
        writer.WriteString("time", IsoTime.Format(access.EventTime));
        writer.WriteString("severity", candidate.Severity.Name());
        // The read's account (recipientAccountId, else the caller's) and the user's alias for it, when known.
        WriteOptional(writer, "account", access.Account);
        WriteOptional(writer, "accountAlias", candidate.AccountAlias);
        writer.WriteString("bucket", access.ReadObject.Bucket);
        writer.WriteString("key", access.ReadObject.Key);
        if (access.CopyDestination is { } destination)
        {
            writer.WriteStartObject("copyDestination");
            writer.WriteString("bucket", destination.Bucket);
            writer.WriteString("key", destination.Key);
            writer.WriteEndObject();
        }
        writer.WriteString("eventName", access.EventName);
        writer.WriteString("outcome", access.Outcome);
        if (access.ErrorMessage is not null)
            writer.WriteString("errorMessage", access.ErrorMessage);
        if (access.BytesTransferredOut is { } bytes)
            writer.WriteNumber("bytesTransferredOut", bytes);
        WritePrincipal(writer, access.Principal);
        WriteSource(writer, access.Source);
        writer.WriteStartObject("matchedRule");
        writer.WriteString("type", SensitivityRule.KindName(candidate.Classification.Rule.Kind));
        writer.WriteString("value", candidate.Classification.Rule.Value);
        writer.WriteString("level", candidate.Classification.Level.Name());
        WriteOptional(writer, "bucket", candidate.Classification.Rule.Bucket);
        writer.WriteString("matchedObject", candidate.Classification.Object.ToString());
        writer.WriteEndObject();
        writer.WriteStartArray("reasons");
        foreach (var reason in candidate.Reasons)
            writer.WriteStringValue(reason);
        writer.WriteEndArray();
        writer.WriteNumber("duplicates", duplicates);
        WriteOptional(writer, "region", access.Region);
        WriteOptional(writer, "recipientAccountId", access.RecipientAccountId);
        writer.WriteEndObject();
    }

    private static void WritePrincipal(Utf8JsonWriter writer, Principal principal)
    {
        writer.WriteStartObject("principal");
        writer.WriteString("type", principal.Type);
        writer.WriteString("name", principal.Name);
        WriteOptional(writer, "arn", principal.Arn);
        WriteOptional(writer, "issuerArn", principal.IssuerArn);
        WriteOptional(writer, "account", principal.AccountId);
        WriteOptional(writer, "accessKeyId", principal.AccessKeyId);
        WriteOptional(writer, "sessionName", principal.SessionName);
        writer.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter writer, SourceAddress source)
    {
        writer.WriteStartObject("source");
        if (source.Kind == SourceKind.Ip)
            writer.WriteString("ip", source.Value);
        else
            writer.WriteString("name", source.Value);
        WriteOptional(writer, "vpcEndpointId", source.VpcEndpointId);
        WriteOptional(writer, "userAgent", source.UserAgent);
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }
}
