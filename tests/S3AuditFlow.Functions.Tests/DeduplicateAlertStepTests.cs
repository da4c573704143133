using System.Text.Json;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Functions.Steps;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Deduplicate Alert against the dedup table in a real dynalite; it also composes what Publish Alert sends.</summary>
public class DeduplicateAlertStepTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private async Task<byte[]> Request(string eventId, string key, string time = "2021-03-10T14:03:42Z")
    {
        var record = StepEvents.Record(eventId, key, time: time);
        var parsed = await StepEvents.ParseAsync(record);
        var config = await tables.ConfigSource().ForBucketAsync(StepEvents.Bucket);
        var trust = config.Allowlist.Check(parsed.Access!);
        var classification = config.Classifier.Classify(parsed.Access!)!;
        var request = new DeduplicateAlertRequest(parsed.Access!, new CheckAllowlistResult(trust.Trusted, trust.Reason),
            new ClassifySensitivityResult(true, "", classification));
        return JsonSerializer.SerializeToUtf8Bytes(request, StepJsonContext.Default.DeduplicateAlertRequest);
    }

    private DeduplicateAlertStep Step(DynaliteServer? server = null) =>
        new(new DynamoDedupStore((server ?? tables.Server).Client(), tables.DedupTable, TimeSpan.FromMinutes(15)));

    private static DeduplicateAlertResult Read(byte[] output) => JsonSerializer.Deserialize(output, StepJsonContext.Default.DeduplicateAlertResult)!;

    [Fact]
    public async Task The_first_occurrence_gets_the_composed_alert_and_a_repeat_is_a_duplicate()
    {
        var key = $"cardholder-{Guid.NewGuid():N}.csv";
        var first = Read(await Step().HandleAsync(await Request("first-" + key, key), CancellationToken.None));
        var repeat = Read(await Step().HandleAsync(await Request("repeat-" + key, key, "2021-03-10T14:09:42Z"), CancellationToken.None));

        Assert.False(first.Duplicate);
        var alert = first.Alert!;
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(StepEvents.Bucket, alert.Bucket);
        Assert.Equal("GetObject", alert.EventName);
        Assert.StartsWith("[CRITICAL] S3 GetObject of cardholder-", alert.Subject, StringComparison.Ordinal);
        Assert.InRange(alert.Subject.Length, 1, AlertMessage.MaxSubjectLength);
        Assert.DoesNotContain('\n', alert.Subject);
        // The message reads first, then carries the JSON alert for machines.
        Assert.StartsWith("Unexpected GetObject of a sensitive S3 object (critical).", alert.Message, StringComparison.Ordinal);
        var json = JsonDocument.Parse(alert.Message[alert.Message.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
        Assert.Equal("first-" + key, json.GetProperty("eventId").GetString());

        Assert.True(repeat.Duplicate);
        Assert.Null(repeat.Alert);
        Assert.Equal("first-" + key, repeat.RepeatsEventId);
    }

    [Fact]
    public async Task A_subject_stays_under_the_sns_limit_whatever_the_key()
    {
        var key = "cardholder/" + new string('x', 300) + "\nline-two.csv";
        var result = Read(await Step().HandleAsync(await Request("long-" + Guid.NewGuid(), key), CancellationToken.None));

        Assert.InRange(result.Alert!.Subject.Length, 1, AlertMessage.MaxSubjectLength);
        Assert.DoesNotContain('\n', result.Alert.Subject);
    }

    [Fact]
    public async Task An_unreachable_dedup_table_fails_the_step_rather_than_dropping_or_doubling_the_alert()
    {
        using var stopped = DynaliteServer.Start();
        var step = Step(stopped);
        stopped.Stop();

        var error = await Assert.ThrowsAsync<StepFailedException>(async () => await step.HandleAsync(await Request("down-1", "cardholder.csv"), CancellationToken.None));

        Assert.Equal("StoreUnavailableException", error.ErrorType);
        Assert.StartsWith("event down-1 (", error.Message, StringComparison.Ordinal);
    }
}
