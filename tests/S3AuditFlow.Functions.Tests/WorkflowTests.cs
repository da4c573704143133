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
        private readonly MotoServer? _moto = MotoServer.IsInstalled ? MotoServer.Start() : null;

        public Dictionary<string, ExecutionResult> Results { get; private set; } = [];
        public IReadOnlyList<string> Logs { get; private set; } = [];
        public ExecutionResult StoreDown { get; private set; } = null!;
        /// <summary>The event IDs `s3audit alerts list` finds in the dedup table after the scenarios, newest first.</summary>
        public List<string> Listed { get; private set; } = [];
        /// <summary>What the replay queue held after the scenarios (empty without moto_server).</summary>
        public List<KeptMessage> Kept { get; private set; } = [];

        public async Task InitializeAsync()
        {
            await _tables.InitializeAsync();
            var options = new WorkflowOptions();
            if (_moto is not null)
            {
                using var sqs = _moto.Sqs();
                options = options with { SqsEndpoint = _moto.Endpoint, ReplayQueueUrl = await SqsQueues.CreateAsync(sqs, "replay") };
            }
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
            ], options);
            using (var client = _tables.Server.Client())
            {
                var march2021 = new DateTimeOffset(2021, 3, 1, 0, 0, 0, TimeSpan.Zero);
                var (alerts, _) = await new Aws.AlertHistory(client, _tables.DedupTable).ListAsync(march2021, march2021.AddMonths(1), limit: 100);
                Listed = [.. alerts.Select(a => a.EventId)];
            }

            // DynamoDB down: fresh function processes pointed at a server that is gone.
            using var gone = DynaliteServer.Start();
            var endpoint = gone.Endpoint;
            gone.Stop();
            var (down, _) = await WorkflowRun.RunAsync(endpoint, _tables.ConfigTable, _tables.DedupTable,
                [("down", StepEvents.EventBridge(StepEvents.Record("down-1", "cardholder_data_primary.csv")))], options);
            StoreDown = down["down"];
            if (_moto is not null)
            {
                using var sqs = _moto.Sqs();
                Kept = await SqsQueues.ReadAllAsync(sqs, options.ReplayQueueUrl);
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose()
        {
            _tables.Dispose();
            _moto?.Dispose();
        }
    }

    private static JsonElement Parameters(JsonElement published) => published.GetProperty("parameters");

    private static string Attribute(JsonElement parameters, string name) =>
        WorkflowRun.Attribute(parameters, name)!;

    [Fact]
    public void An_unexpected_read_of_a_sensitive_object_publishes_one_alert_with_subject_and_attributes()
    {
        var result = run.Results["alert"];

        Assert.Equal("SUCCEEDED", result.Status);
        Assert.Equal(["Is Kept Notification", "Parse Event", "Is Applicable", "Check Allowlist", "Is Trusted", "Classify Sensitivity", "Is Sensitive",
            "Deduplicate Alert", "Is New Alert", "Publish Alert", "Is Harvest Crossed", "Done"], result.States);
        var published = Assert.Single(result.Published);
        Assert.Equal("Publish Alert", published.GetProperty("state").GetString());
        var parameters = Parameters(published);
        Assert.Equal("arn:aws:sns:us-east-1:123456789012:s3auditflow-alerts", parameters.GetProperty("TopicArn").GetString());
        Assert.Equal("[CRITICAL] S3 GetObject of cardholder_data_primary.csv by role/cg-banking-WAF-Role", parameters.GetProperty("Subject").GetString());
        Assert.Contains("principal role/cg-banking-WAF-Role not allowlisted", parameters.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal("critical", Attribute(parameters, "severity"));
        Assert.Equal(StepEvents.Bucket, Attribute(parameters, "bucket"));
        Assert.Equal("GetObject", Attribute(parameters, "eventName"));
        Assert.Equal("alert", Attribute(parameters, "kind"));
    }

    [Fact]
    public void The_alert_history_lists_exactly_the_alerts_the_workflow_published()
    {
        Assert.Equal(["alert", "denied"], run.Results.Where(r => r.Value.Published.Any(p => p.GetProperty("state").GetString() == "Publish Alert")).Select(r => r.Key).Order());
        Assert.Equal(["alert-1", "denied-1"], run.Listed.Order());
    }

    [Fact]
    public void The_same_access_again_within_the_window_publishes_nothing()
    {
        var result = run.Results["repeat"];

        Assert.Equal("SUCCEEDED", result.Status);
        Assert.Equal(["Deduplicate Alert", "Is New Alert", "Is Harvest Crossed", "Done"], result.States.TakeLast(4));
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

        Assert.Equal(["Is Kept Notification", "Parse Event", "Is Applicable", "Not Applicable"], result.States);
        Assert.Empty(result.Published);
    }

    [Fact]
    public void A_refused_attempt_alerts_one_level_lower()
    {
        var parameters = Parameters(Assert.Single(run.Results["denied"].Published));

        Assert.Equal("medium", Attribute(parameters, "severity"));
        Assert.Contains("Outcome:   failed: AccessDenied", parameters.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [MotoFact]
    public void A_malformed_event_is_kept_for_replay_and_the_first_failure_of_the_hour_is_mailed()
    {
        var result = run.Results["malformed"];

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(["Is Kept Notification", "Parse Event", "Keep Event For Replay", "Count Failure", "Notify Evaluation Failure", "Evaluation Failed"], result.States);
        var parameters = Parameters(Assert.Single(result.Published));
        Assert.Equal("S3AuditFlow could not evaluate an event or publish an alert", parameters.GetProperty("Subject").GetString());
        Assert.Equal("evaluation-failure", Attribute(parameters, "severity"));
        Assert.Equal("evaluation-failure", Attribute(parameters, "kind"));
        var message = parameters.GetProperty("Message").GetString()!;
        Assert.StartsWith("could not evaluate an event or publish its notification: MalformedEvent: ", message, StringComparison.Ordinal);
        Assert.Contains("event malformed-1: GetObject without eventTime", message, StringComparison.Ordinal);
        Assert.Matches("This is the first failure of the hour \\d{4}-\\d\\d-\\d\\dT\\d\\d:00Z; 1 failures counted", message);
        var kept = Assert.Single(run.Kept, k => k.Body.Contains("malformed-1", StringComparison.Ordinal));
        Assert.Equal(("event", "MalformedEvent"), (kept.Kind, kept.Error));
        // The body is the original EventBridge event, exactly as the execution got it, so a replay judges it afresh.
        Assert.Equal("aws.s3", JsonDocument.Parse(kept.Body).RootElement.GetProperty("source").GetString());
    }

    [MotoFact]
    public void DynamoDB_down_keeps_the_event_for_replay_and_the_rate_limiter_being_down_too_mails_nothing()
    {
        var result = run.StoreDown;

        Assert.Equal("FAILED", result.Status);
        // Count Failure reaches the same (stopped) DynamoDB: it cannot rate-limit, so it does not mail per event;
        // the replay-queue and failed-executions alarms report the outage once.
        Assert.Equal(["Is Kept Notification", "Parse Event", "Is Applicable", "Check Allowlist", "Keep Event For Replay", "Count Failure", "Evaluation Failed"],
            result.States.Where(s => !s.StartsWith("retry ", StringComparison.Ordinal)));
        Assert.Empty(result.Published);
        var kept = Assert.Single(run.Kept, k => k.Body.Contains("down-1", StringComparison.Ordinal));
        Assert.Equal(("event", "StoreUnavailableException"), (kept.Kind, kept.Error));
        Assert.Contains("event down-1 (GetObject s3://cg-cardholder-data-bucket-cgidlulwjvrwio/cardholder_data_primary.csv by role/cg-banking-WAF-Role from 54.177.149.226)",
            kept.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Functions_log_one_json_line_per_decision_and_never_the_event()
    {
        var lines = run.Logs.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetString()!).ToList();

        Assert.Contains(lines, l => l.Contains("\"step\":\"DeduplicateAlert\",\"eventId\":\"alert-1\",\"verdict\":\"alert\"", StringComparison.Ordinal));
        Assert.All(lines, l =>
        {
            var names = JsonDocument.Parse(l).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            // A decision, or the runtime loop's line for a failed invocation: the exception, never the event.
            if (names[0] == "level")
                Assert.Equal(["level", "requestId", "errorType", "exceptionType", "message", "stackTrace"], names.Where(n => n != "cause"));
            else
                Assert.Equal(["step", "eventId", "verdict", "reason"], names);
            Assert.DoesNotContain("userIdentity", l, StringComparison.Ordinal);
            Assert.DoesNotContain("ASIAEXAMPLE", l, StringComparison.Ordinal);
        });
    }
}
