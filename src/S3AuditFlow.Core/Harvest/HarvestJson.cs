using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Harvest;

/// <summary>The harvest notification's JSON shape, shared by `scan --format jsonl` and the SNS message.</summary>
public static class HarvestJson
{
    /// <summary>Writes one harvest object.</summary>
    public static void Write(Utf8JsonWriter writer, HarvestNotice notice)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "harvest");
        writer.WriteString("harvestId", notice.HarvestId);
        writer.WriteString("severity", HarvestNotice.Severity);
        writer.WriteNumber("threshold", notice.Threshold);
        writer.WriteString("principal", notice.Principal);
        if (notice.PrincipalArn is not null)
            writer.WriteString("principalArn", notice.PrincipalArn);
        writer.WriteString("source", notice.Source);
        writer.WriteString("bucket", notice.Bucket);
        if (notice.Account is not null)
            writer.WriteString("account", notice.Account);
        if (notice.AccountAlias is not null)
            writer.WriteString("accountAlias", notice.AccountAlias);
        writer.WriteString("outcome", notice.Outcome);
        writer.WriteNumber("objects", notice.Objects);
        writer.WriteNumber("bytes", notice.Bytes);
        writer.WriteString("firstTime", IsoTime.Format(notice.FirstTime));
        writer.WriteString("lastTime", IsoTime.Format(notice.LastTime));
        writer.WriteString("highestSensitivity", notice.HighestSensitivity.Name());
        writer.WriteStartArray("sampleKeys");
        foreach (var key in notice.SampleKeys)
            writer.WriteStringValue(key);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
