using System.Text.Json;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Harvest;

/// <summary>The harvest notification as published: subject naming principal, bucket and count; the same JSON as scan.</summary>
public class HarvestMessageTests
{
    private static HarvestNotice Notice(string outcome = "succeeded", string bucket = "finance") =>
        new("evt-1", 1000, "role/etl", "arn:aws:sts::111122223333:assumed-role/etl/s", "54.177.149.226", bucket, outcome, 1000, 2_048_000,
            T0, T0.AddMinutes(6), SensitivityLevel.High, ["a.csv", "b.csv"]);

    [Fact]
    public void Subject_names_principal_count_and_bucket_and_the_message_ends_with_the_json_scan_prints()
    {
        var message = HarvestMessage.Compose(Notice());

        Assert.Equal("[HARVEST] role/etl read 1,000 objects of finance", message.Subject);
        Assert.Equal(("critical", "finance"), (message.Severity, message.Bucket));
        Assert.Contains("Objects:   1,000 so far, 2,048,000 bytes out", message.Message, StringComparison.Ordinal);
        var json = JsonDocument.Parse(message.Message[message.Message.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
        Assert.Equal(("harvest", 1000L, "high"), (json.GetProperty("kind").GetString(), json.GetProperty("objects").GetInt64(), json.GetProperty("highestSensitivity").GetString()));
        Assert.Equal(["a.csv", "b.csv"], json.GetProperty("sampleKeys").EnumerateArray().Select(k => k.GetString()));
    }

    [Fact]
    public void A_harvest_of_refused_reads_says_tried_to_read()
    {
        var message = HarvestMessage.Compose(Notice(outcome: "failed"));

        Assert.Equal("[HARVEST] role/etl tried to read 1,000 objects of finance", message.Subject);
        Assert.Contains("role/etl has tried to read 1,000 sensitive objects", message.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_bucket_name_keeps_the_subject_under_the_SNS_limit()
    {
        var message = HarvestMessage.Compose(Notice(bucket: new string('b', 63)));

        Assert.True(message.Subject.Length <= AlertMessage.MaxSubjectLength, message.Subject);
        Assert.EndsWith("…", message.Subject, StringComparison.Ordinal);
    }
}
