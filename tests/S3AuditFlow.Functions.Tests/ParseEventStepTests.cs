using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

public class ParseEventStepTests
{
    private readonly ParseEventStep _step = new(new HashSet<string>(AuditConfig.DefaultMonitoredEvents));

    private async Task<JsonElement> Handle(JsonNode input) =>
        JsonDocument.Parse(await _step.HandleAsync(StepEvents.Bytes(input), CancellationToken.None)).RootElement;

    [Fact]
    public async Task A_monitored_read_becomes_the_typed_access_document()
    {
        var output = await Handle(StepEvents.EventBridge(StepEvents.Record("e1", "cardholder_data_primary.csv")));

        Assert.True(output.GetProperty("applicable").GetBoolean());
        var access = output.GetProperty("access");
        Assert.Equal("e1", access.GetProperty("eventId").GetString());
        Assert.Equal("cardholder_data_primary.csv", access.GetProperty("key").GetString());
        Assert.Equal("cg-banking-WAF-Role", access.GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal("Ip", access.GetProperty("source").GetProperty("kind").GetString());
        // Derived values are not serialized: the next step recomputes them from the same record.
        Assert.False(access.TryGetProperty("readObject", out _));
    }

    [Fact]
    public async Task The_access_document_round_trips_into_the_next_steps_input()
    {
        var parsed = await StepEvents.ParseAsync(StepEvents.Record("e1", "cardholder_data_primary.csv", errorCode: "AccessDenied"));

        var request = JsonSerializer.Deserialize(StepEvents.AccessRequest(parsed), StepJsonContext.Default.AccessRequest)!;

        Assert.Equal(parsed.Access, request.Access);
        Assert.Equal("failed: AccessDenied", request.Access.Outcome);
    }

    [Theory]
    [InlineData("HeadObject", "not-monitored")]
    [InlineData("PutObject", "not-monitored")]
    public async Task Other_s3_data_events_are_not_applicable(string eventName, string verdict)
    {
        var output = await Handle(StepEvents.EventBridge(StepEvents.Record("e1", "k", eventName: eventName)));

        Assert.False(output.GetProperty("applicable").GetBoolean());
        Assert.Equal(verdict, output.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_native_s3_notification_is_ignored()
    {
        var notification = new JsonObject { ["detail-type"] = "Object Created", ["source"] = "aws.s3", ["detail"] = new JsonObject() };

        var output = await Handle(notification);

        Assert.Equal("ignored", output.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_malformed_event_fails_the_step_so_it_is_reported_not_dropped()
    {
        var record = StepEvents.Record("e1", "k");
        record.Remove("eventTime");

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Handle(StepEvents.EventBridge(record)));

        Assert.Equal("MalformedEvent", error.ErrorType);
        Assert.Equal("event e1: GetObject without eventTime", error.Message);
    }

    [Fact]
    public async Task Input_that_is_not_json_fails_the_step()
    {
        var error = await Assert.ThrowsAsync<StepFailedException>(() => _step.HandleAsync("{not json"u8.ToArray(), CancellationToken.None));

        Assert.Equal("MalformedEvent", error.ErrorType);
    }

    [Theory]
    [InlineData("cg-cardholder-data-bucket-cgidlulwjvrwio", "attacker-bucket", true)]
    [InlineData("attacker-bucket", "cg-cardholder-data-bucket-cgidlulwjvrwio", true)]
    [InlineData("other-bucket", "attacker-bucket", false)]
    public async Task A_copy_is_judged_when_its_source_or_its_destination_bucket_is_monitored(string source, string destination, bool applicable)
    {
        var step = new ParseEventStep(new HashSet<string>(AuditConfig.DefaultMonitoredEvents), new HashSet<string> { StepEvents.Bucket });
        var record = StepEvents.Record("copy-1", "loot.csv", eventName: "CopyObject");
        record["requestParameters"]!["bucketName"] = destination;
        record["requestParameters"]!["x-amz-copy-source"] = $"{source}/cardholder_data_primary.csv";

        var output = JsonDocument.Parse(await step.HandleAsync(StepEvents.Bytes(StepEvents.EventBridge(record)), CancellationToken.None)).RootElement;

        Assert.Equal(applicable, output.GetProperty("applicable").GetBoolean());
        if (!applicable)
            Assert.Equal("bucket other-bucket is not monitored", output.GetProperty("reason").GetString());
    }
}
