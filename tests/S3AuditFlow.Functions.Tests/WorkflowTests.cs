using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>The whole workflow: every scenario runs once through the real ASL, functions and dynalite; each test checks one.</summary>
public sealed class WorkflowTests(WorkflowTests.Run run) : IClassFixture<WorkflowTests.Run>
{
    public sealed class Run : IAsyncLifetime, IDisposable
    {
        private readonly DynaliteTables _tables = new();

        public Dictionary<string, ExecutionResult> Results { get; private set; } = [];
        public IReadOnlyList<string> Logs { get; private set; } = [];
        public ExecutionResult StoreDown { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await _tables.InitializeAsync();
            var malformed = StepEvents.Record("malformed-1", "cardholder.csv");
            malformed.Remove("eventTime");
            (Results, Logs) = await WorkflowRun.RunAsync(_tables.Server.Endpoint, _tables.ConfigTable, _tables.DedupTable,
            [
                ("alert", StepEvents.EventBridge(StepEvents.Record("alert-1", "cardholder_data_primary.csv"))),
                ("repeat", StepEvents.EventBridge(StepEvents.Record("alert-2", "cardholder_data_primary.csv", time: "2021-03-10T14:09:05Z"))),
                ("allowlisted", StepEvents.EventBridge(StepEvents.Record("allowed-1", "cardholder_data_primary.csv", role: "role_with_permissions", ip: "54.153.44.90"))),
                ("not-sensitive", StepEvents.EventBridge(StepEvents.Record("goat-1", "goat.png"))),
                ("not-monitored", StepEvents.EventBridge(StepEvents.Record("head-1", "cardholder_data_primary.csv", eventName: "HeadObject"))),
                ("denied", StepEvents.EventBridge(StepEvents.Record("denied-1", "secret-keys.txt", errorCode: "AccessDenied"))),
                ("malformed", StepEvents.EventBridge(malformed)),
            ]);

            // DynamoDB down: fresh function processes pointed at a server that is gone.
            using var gone = DynaliteServer.Start();
            var endpoint = gone.Endpoint;
            gone.Stop();
            var (down, _) = await WorkflowRun.RunAsync(endpoint, _tables.ConfigTable, _tables.DedupTable,
                [("down", StepEvents.EventBridge(StepEvents.Record("down-1", "cardholder_data_primary.csv")))]);
            StoreDown = down["down"];
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => _tables.Dispose();
    }

    private static JsonElement Parameters(JsonElement published) => published.GetProperty("parameters");

    private static string Attribute(JsonElement parameters, string name) =>
        parameters.GetProperty("MessageAttributes").GetProperty(name).GetProperty("StringValue").GetString()!;

    [Fact]
    public void An_unexpected_read_of_a_sensitive_object_publishes_one_alert_with_subject_and_attributes()
    {
        var result = run.Results["alert"];

        Assert.Equal("SUCCEEDED", result.Status);
        Assert.Equal(["Parse Event", "Is Applicable", "Check Allowlist", "Is Trusted", "Classify Sensitivity", "Is Sensitive", "Deduplicate Alert", "Is Duplicate", "Publish Alert"], result.States);
        var published = Assert.Single(result.Published);
        Assert.Equal("Publish Alert", published.GetProperty("state").GetString());
        var parameters = Parameters(published);
        Assert.Equal("arn:aws:sns:us-east-1:123456789012:s3auditflow-alerts", parameters.GetProperty("TopicArn").GetString());
        Assert.Equal("[CRITICAL] S3 GetObject of cardholder_data_primary.csv by role/cg-banking-WAF-Role", parameters.GetProperty("Subject").GetString());
        Assert.Contains("principal role/cg-banking-WAF-Role not allowlisted", parameters.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal("critical", Attribute(parameters, "severity"));
        Assert.Equal(StepEvents.Bucket, Attribute(parameters, "bucket"));
        Assert.Equal("GetObject", Attribute(parameters, "eventName"));
    }

    [Fact]
    public void The_same_access_again_within_the_window_publishes_nothing()
    {
        var result = run.Results["repeat"];

        Assert.Equal("SUCCEEDED", result.Status);
        Assert.Equal("Duplicate", result.States[^1]);
        Assert.Empty(result.Published);
    }

    [Fact]
    public void An_allowlisted_access_publishes_nothing()
    {
        var result = run.Results["allowlisted"];

        Assert.Equal("Allowlisted", result.States[^1]);
        Assert.Empty(result.Published);
    }

    [Fact]
    public void A_read_of_an_object_no_rule_matches_publishes_nothing()
    {
        var result = run.Results["not-sensitive"];

        Assert.Equal("Not Sensitive", result.States[^1]);
        Assert.Empty(result.Published);
    }

    [Fact]
    public void An_event_that_is_not_monitored_stops_after_parsing()
    {
        var result = run.Results["not-monitored"];

        Assert.Equal(["Parse Event", "Is Applicable", "Not Applicable"], result.States);
        Assert.Empty(result.Published);
    }

    [Fact]
    public void A_refused_attempt_alerts_one_level_lower()
    {
        var parameters = Parameters(Assert.Single(run.Results["denied"].Published));

        Assert.Equal("medium", Attribute(parameters, "severity"));
        Assert.Contains("Outcome:   failed: AccessDenied", parameters.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_event_produces_a_failure_notification_and_a_failed_execution()
    {
        var result = run.Results["malformed"];

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(["Parse Event", "Notify Evaluation Failure", "Evaluation Failed"], result.States);
        var parameters = Parameters(Assert.Single(result.Published));
        Assert.Equal("S3AuditFlow could not evaluate an event", parameters.GetProperty("Subject").GetString());
        Assert.Equal("evaluation-failure", Attribute(parameters, "severity"));
        var message = parameters.GetProperty("Message").GetString()!;
        Assert.Matches("^could not evaluate event \\(EventBridge id 7f5b3d2e-[0-9a-f-]+\\): MalformedEvent: ", message);
        Assert.Contains("event malformed-1: GetObject without eventTime", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DynamoDB_down_ends_in_a_failure_notification_naming_the_event_never_silence()
    {
        var result = run.StoreDown;

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(["Parse Event", "Is Applicable", "Check Allowlist", "Notify Evaluation Failure", "Evaluation Failed"], result.States);
        var message = Parameters(Assert.Single(result.Published)).GetProperty("Message").GetString()!;
        Assert.Matches("^could not evaluate event \\(EventBridge id 7f5b3d2e-[0-9a-f-]+\\): StoreUnavailableException: ", message);
        Assert.Contains("event down-1 (GetObject s3://cg-cardholder-data-bucket-cgidlulwjvrwio/cardholder_data_primary.csv by role/cg-banking-WAF-Role from 54.177.149.226)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Functions_log_one_json_line_per_decision_and_never_the_event()
    {
        var lines = run.Logs.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetString()!).ToList();

        Assert.Contains(lines, l => l.Contains("\"step\":\"DeduplicateAlert\",\"eventId\":\"alert-1\",\"verdict\":\"alert\"", StringComparison.Ordinal));
        Assert.All(lines, l =>
        {
            var decision = JsonDocument.Parse(l).RootElement;
            Assert.Equal(["step", "eventId", "verdict", "reason"], decision.EnumerateObject().Select(p => p.Name));
            Assert.DoesNotContain("userIdentity", l, StringComparison.Ordinal);
            Assert.DoesNotContain("ASIAEXAMPLE", l, StringComparison.Ordinal);
        });
    }
}
