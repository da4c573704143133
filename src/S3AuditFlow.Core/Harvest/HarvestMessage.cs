using System.Globalization;
using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Harvest;

/// <summary>A harvest notification as it is published: subject naming principal, bucket and count; text, then the JSON.</summary>
public sealed record HarvestMessage(string Subject, string Message, string Severity, string Bucket)
{
    /// <summary>Composes the message of one threshold crossed.</summary>
    public static HarvestMessage Compose(HarvestNotice notice)
    {
        // A burst of refused reads is a harvest attempt: the subject must not say the objects were read.
        var (read, hasRead) = notice.Outcome == "failed" ? ("tried to read", "has tried to read") : ("read", "has read");
        var subject = AlertMessage.OneLineSubject(
            string.Create(CultureInfo.InvariantCulture, $"[HARVEST] {notice.Principal} {read} {notice.Objects:N0} objects of {notice.Bucket}"));

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Bucket harvest: {notice.Principal} {hasRead} {notice.Objects:N0} sensitive objects of s3://{notice.Bucket} (threshold {notice.Threshold:N0} crossed).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Who:       {notice.Principal}{(notice.PrincipalArn is null ? "" : " (" + notice.PrincipalArn + ")")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"From:      {notice.Source}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Bucket:    s3://{notice.Bucket}");
        if (notice.AccountLabel is { } account)
            text.AppendLine(CultureInfo.InvariantCulture, $"Account:   {account}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Outcome:   {notice.Outcome}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Objects:   {notice.Objects:N0} so far, {notice.Bytes:N0} bytes out");
        text.AppendLine(CultureInfo.InvariantCulture, $"Between:   {notice.FirstTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z and {notice.LastTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        text.AppendLine(CultureInfo.InvariantCulture, $"Highest:   {notice.HighestSensitivity.Name()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Harvest:   {notice.HarvestId} (event ID of its first object; its first alerts carry the same ID)");
        foreach (var key in notice.SampleKeys)
            text.AppendLine(CultureInfo.InvariantCulture, $"Sample:    {key}");
        text.AppendLine();

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
            HarvestJson.Write(writer, notice);
        text.Append(Encoding.UTF8.GetString(json.ToArray()));
        return new HarvestMessage(subject, text.ToString(), HarvestNotice.Severity, notice.Bucket);
    }
}
