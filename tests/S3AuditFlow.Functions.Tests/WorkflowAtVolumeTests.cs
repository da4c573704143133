using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Cli;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// The whole workflow at volume — the real ASL, the real built functions, dynalite, and (for the replay queue) a real
/// moto_server SQS: a bucket harvest, a throttling burst, a DynamoDB outage and its replay, a failed publish.
/// </summary>
public sealed class WorkflowAtVolumeTests
{
    private static readonly DateTimeOffset Start = new(2021, 3, 10, 14, 0, 0, TimeSpan.Zero);

    private static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>One GetObject as EventBridge delivers it, with the bytes CloudTrail reports.</summary>
    private static JsonObject Read(string eventId, string key, DateTimeOffset time, string role = "cg-banking-WAF-Role", string ip = "54.177.149.226", long bytes = 2048)
    {
        var record = StepEvents.Record(eventId, key, role: role, ip: ip, time: Time(time));
        record["additionalEventData"] = new JsonObject { ["bytesTransferredOut"] = bytes };
        return StepEvents.EventBridge(record);
    }

    /// <summary>A harvest: one role reads <paramref name="objects"/> cardholder files, two per second.</summary>
    private static List<(string Name, JsonNode Input)> Harvest(int objects, string prefix = "harvest") =>
        [.. Enumerable.Range(0, objects).Select(i => ($"{prefix}-{i:D4}", (JsonNode)Read($"{prefix}-{i:D4}", $"cardholder/{i:D4}.csv", Start + TimeSpan.FromSeconds(i / 2))))];

    /// <summary>The JSON that ends a published message (after its readable text).</summary>
    private static JsonElement Json(JsonElement parameters)
    {
        var message = parameters.GetProperty("Message").GetString()!;
        return JsonDocument.Parse(message[message.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
    }

    [Fact]
    public async Task A_harvest_of_1200_objects_publishes_10_alerts_and_harvest_notifications_at_100_and_1000_exactly_as_scan_decides()
    {
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        var events = Harvest(1200);

        // In order, one at a time, as scan orders them: the same 10 objects must alert in both.
        var (results, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, events);

        var published = events.SelectMany(e => results[e.Name].Published).Select(p => p.GetProperty("parameters")).ToList();
        var alerts = published.Where(p => WorkflowRun.Attribute(p, "kind") == "alert").ToList();
        var harvests = published.Where(p => WorkflowRun.Attribute(p, "kind") == "harvest").ToList();
        Assert.Equal(12, published.Count);
        Assert.Equal(10, alerts.Count);
        Assert.Equal(["[HARVEST] role/cg-banking-WAF-Role read 100 objects of " + StepEvents.Bucket, "[HARVEST] role/cg-banking-WAF-Role read 1,000 objects of " + StepEvents.Bucket],
            harvests.Select(h => h.GetProperty("Subject").GetString()));
        Assert.All(harvests, h => Assert.Equal("critical", WorkflowRun.Attribute(h, "severity")));
        Assert.All(results.Values, r => Assert.Equal("SUCCEEDED", r.Status));

        // scan over the very same records.
        var config = AuditConfig.Create(
            [new AllowlistEntry(EntryKind.Source, "54.153.44.90"), new AllowlistEntry(EntryKind.Principal, "role_with_permissions")],
            [new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical), new SensitivityRule(RuleKind.Keyword, "secret")]);
        var lines = string.Join('\n', events.Select(e => e.Input["detail"]!.ToJsonString()));
        var scan = new ScanEngine(config).Scan([new ScanInput("harvest.jsonl", () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(lines)), 0)]);

        Assert.Equal(scan.Alerts.Select(a => a.Candidate.Access.EventId), alerts.Select(a => Json(a).GetProperty("eventId").GetString()));
        Assert.Equal(scan.HarvestNotices.Count, harvests.Count);
        foreach (var (notice, published1) in scan.HarvestNotices.Zip(harvests))
        {
            var json = Json(published1);
            Assert.Equal(notice.Threshold, json.GetProperty("threshold").GetInt64());
            Assert.Equal(notice.Objects, json.GetProperty("objects").GetInt64());
            Assert.Equal(notice.Bytes, json.GetProperty("bytes").GetInt64());
            Assert.Equal(notice.HarvestId, json.GetProperty("harvestId").GetString());
            Assert.Equal(IsoTime.Format(notice.FirstTime), json.GetProperty("firstTime").GetString());
            Assert.Equal(IsoTime.Format(notice.LastTime), json.GetProperty("lastTime").GetString());
            Assert.Equal(notice.HighestSensitivity.Name(), json.GetProperty("highestSensitivity").GetString());
            Assert.Equal(notice.SampleKeys, json.GetProperty("sampleKeys").EnumerateArray().Select(k => k.GetString()));
        }
        Assert.Equal([100L, 1000L], scan.HarvestNotices.Select(n => n.Objects));
    }

    [Fact]
    public async Task A_throttling_burst_is_absorbed_by_the_retries_and_mails_no_failure()
    {
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        // 60 different roles each read one secret at once; every Lambda task of every execution is throttled 5 times.
        var events = Enumerable.Range(0, 60)
            .Select(i => ($"burst-{i:D2}", (JsonNode)Read($"burst-{i:D2}", $"secret-{i:D2}.txt", Start.AddSeconds(i % 3), role: $"role-{i:D2}")))
            .ToList();

        var (results, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, events,
            new WorkflowOptions { ThrottleAttempts = 5, Concurrency = 12, Instances = 2 });

        Assert.All(results.Values, r =>
        {
            Assert.Equal("SUCCEEDED", r.Status);
            Assert.Equal(5, r.States.Count(s => s == "retry Check Allowlist"));
        });
        Assert.Equal(60, results.Values.Sum(r => r.Messages("alert").Count()));
        Assert.Empty(results.Values.SelectMany(r => r.Messages("evaluation-failure")));
    }

    [MotoFact]
    public async Task Throttling_beyond_the_retries_keeps_every_event_for_replay_and_mails_once_per_hour()
    {
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        using var moto = MotoServer.Start();
        using var sqs = moto.Sqs();
        var replayQueue = await SqsQueues.CreateAsync(sqs, "replay");
        var events = Enumerable.Range(0, 40)
            .Select(i => ($"throttled-{i:D2}", (JsonNode)Read($"throttled-{i:D2}", $"secret-{i:D2}.txt", Start, role: $"role-{i:D2}")))
            .ToList();

        // 7 throttles: one more than the 6 attempts AWS's guidance gives every Lambda task.
        var (results, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, events,
            new WorkflowOptions { ThrottleAttempts = 7, Concurrency = 8, SqsEndpoint = moto.Endpoint, ReplayQueueUrl = replayQueue });

        Assert.All(results.Values, r => Assert.Equal("FAILED", r.Status));
        var mails = results.Values.SelectMany(r => r.Messages("evaluation-failure")).ToList();
        // One per clock hour the executions started in: one, or two if the run crossed an hour.
        Assert.InRange(mails.Count, 1, 2);
        Assert.Contains("Lambda.TooManyRequestsException", mails[0].GetProperty("Message").GetString(), StringComparison.Ordinal);
        var kept = await SqsQueues.ReadAllAsync(sqs, replayQueue);
        Assert.Equal(events.Select(e => e.Item1).Order(), kept.Select(k => JsonDocument.Parse(k.Body).RootElement.GetProperty("detail").GetProperty("eventID").GetString()).Order());
        Assert.All(kept, k => Assert.Equal(("event", "Lambda.TooManyRequestsException"), (k.Kind, k.Error)));
    }

    [MotoTheory]
    [InlineData("2000-01-01T00", 1)]
    [InlineData("2999-01-01T00", 0)]
    public async Task A_failure_mails_only_when_its_hour_is_later_than_the_last_mailed_so_executions_ending_out_of_order_never_mail_twice(
        string lastMailedHour, int mails)
    {
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        using var moto = MotoServer.Start();
        using var sqs = moto.Sqs();
        var replayQueue = await SqsQueues.CreateAsync(sqs, "replay");
        using (var client = tables.Server.Client())
        {
            await client.PutItemAsync(tables.DedupTable, new()
            {
                ["id"] = new() { S = "failure-notice" },
                ["lastWindow"] = new() { S = lastMailedHour },
                ["failures"] = new() { N = "41" },
            });
        }
        var malformed = StepEvents.Record("no-time-1", "cardholder.csv");
        malformed.Remove("eventTime");

        var (results, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable,
            [("late", StepEvents.EventBridge(malformed))], new WorkflowOptions { SqsEndpoint = moto.Endpoint, ReplayQueueUrl = replayQueue });

        var result = results["late"];
        Assert.Equal(mails, result.Messages("evaluation-failure").Count());
        Assert.Contains(mails == 1 ? "Notify Evaluation Failure" : "Count Failure This Hour", result.States);
        Assert.Single(await SqsQueues.ReadAllAsync(sqs, replayQueue));
        using var check = tables.Server.Client();
        var counter = (await check.GetItemAsync(tables.DedupTable, new() { ["id"] = new() { S = "failure-notice" } }, true)).Item;
        Assert.Equal("42", counter["failures"].N);
        if (mails == 1)
            Assert.Contains("42 failures counted", result.Messages("evaluation-failure").Single().GetProperty("Message").GetString(), StringComparison.Ordinal);
        else
            Assert.Equal(lastMailedHour, counter["lastWindow"].S);
    }

    /// <summary>200 events: a 150-object harvest, 30 roles reading one secret each, 20 allowlisted reads.</summary>
    private static List<(string Name, JsonNode Input)> OutageEvents() =>
    [
        .. Harvest(150, "outage-harvest"),
        .. Enumerable.Range(0, 30).Select(i => ($"outage-single-{i:D2}", (JsonNode)Read($"outage-single-{i:D2}", $"secret-{i:D2}.txt", Start.AddMinutes(2), role: $"role-{i:D2}"))),
        .. Enumerable.Range(0, 20).Select(i => ($"outage-allowed-{i:D2}", (JsonNode)Read($"outage-allowed-{i:D2}", $"cardholder/{i:D2}.csv", Start.AddMinutes(3), role: "role_with_permissions", ip: "54.153.44.90"))),
    ];

    /// <summary>
    /// What a run published, in a form that does not depend on execution order. A harvest is (threshold, objects):
    /// with concurrent executions the writer that wins a threshold may have counted a few objects past it.
    /// </summary>
    private static (Dictionary<string, int> AlertsPerPrincipal, string[] SingleAlerts, (long Threshold, long Objects)[] Harvests) Outcome(IEnumerable<ExecutionResult> results)
    {
        var published = results.SelectMany(r => r.Published).Select(p => p.GetProperty("parameters")).ToList();
        var alerts = published.Where(p => WorkflowRun.Attribute(p, "kind") == "alert").Select(Json).ToList();
        return (
            alerts.GroupBy(a => a.GetProperty("principal").GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.Count()),
            [.. alerts.Select(a => a.GetProperty("eventId").GetString()!).Where(id => id.StartsWith("outage-single", StringComparison.Ordinal)).Order()],
            [.. published.Where(p => WorkflowRun.Attribute(p, "kind") == "harvest").Select(Json)
                .Select(h => (h.GetProperty("threshold").GetInt64(), h.GetProperty("objects").GetInt64())).Order()]);
    }

    [MotoFact]
    public async Task A_DynamoDB_outage_keeps_all_200_events_then_replay_gives_exactly_the_alerts_of_a_healthy_run()
    {
        using var moto = MotoServer.Start();
        using var sqs = moto.Sqs();
        var replayQueue = await SqsQueues.CreateAsync(sqs, "replay");
        var redriveQueue = await SqsQueues.CreateAsync(sqs, "redrive");
        var events = OutageEvents();

        // The healthy run, on tables of its own.
        using var healthyTables = new DynaliteTables();
        await healthyTables.InitializeAsync();
        var (healthy, _) = await WorkflowRun.RunAsync(healthyTables.Server.Endpoint, healthyTables.ConfigTable, healthyTables.DedupTable, events,
            new WorkflowOptions { Concurrency = 8, Instances = 2 });

        // The outage: DynamoDB unreachable for the functions and for the failure counter alike.
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        using var proxy = new SwitchableProxy(tables.Server.Endpoint);
        proxy.Cut();
        var outageOptions = new WorkflowOptions { Concurrency = 8, Instances = 2, SqsEndpoint = moto.Endpoint, ReplayQueueUrl = replayQueue };
        var (outage, _) = await WorkflowRun.RunAsync(proxy.Endpoint, tables.ConfigTable, tables.DedupTable, events, outageOptions);

        Assert.All(outage.Values, r => Assert.Equal("FAILED", r.Status));
        // The failure counter is in the unreachable DynamoDB too: no per-event mail at all (the alarms report it).
        Assert.Equal(0, outage.Values.Sum(r => r.Published.Count));
        Assert.Equal(200, await SqsQueues.ApproximateCountAsync(sqs, replayQueue));

        // DynamoDB is back: one replay re-drives everything; the Pipe (stood in for by the runner) starts the executions.
        proxy.Restore();
        var replay = CliRunOf(["replay", "--replay-queue", replayQueue, "--redrive-queue", redriveQueue, "--endpoint-url", moto.Endpoint, "--region", "us-east-1"]);
        Assert.True(replay.ExitCode == 0, replay.Error);
        Assert.Contains("200", replay.Out, StringComparison.Ordinal);
        var (replayed, _) = await WorkflowRun.RunAsync(proxy.Endpoint, tables.ConfigTable, tables.DedupTable, [],
            outageOptions with { ExecutionsFromQueue = redriveQueue });

        Assert.Equal(200, replayed.Count);
        Assert.All(replayed.Values, r => Assert.Equal("SUCCEEDED", r.Status));
        var expected = Outcome(healthy.Values);
        var actual = Outcome(replayed.Values);
        Assert.Equal(new Dictionary<string, int>(expected.AlertsPerPrincipal), actual.AlertsPerPrincipal);
        Assert.Equal(10, actual.AlertsPerPrincipal["cg-banking-WAF-Role"]);
        Assert.Equal(30, actual.SingleAlerts.Length);
        Assert.Equal(expected.SingleAlerts, actual.SingleAlerts);
        // One notice, for 100: won by a writer that had counted at least 100 and fewer than 100 + the 8 concurrent executions.
        var (threshold, objects) = Assert.Single(actual.Harvests);
        Assert.Equal(100, threshold);
        Assert.InRange(objects, 100, 107);
        Assert.Equal(expected.Harvests.Select(h => h.Threshold), actual.Harvests.Select(h => h.Threshold));
        Assert.Equal(0, await SqsQueues.ApproximateCountAsync(sqs, replayQueue));

        // Safe to run twice: nothing left to move, nothing published again.
        var again = CliRunOf(["replay", "--replay-queue", replayQueue, "--redrive-queue", redriveQueue, "--endpoint-url", moto.Endpoint, "--region", "us-east-1"]);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(0, await SqsQueues.ApproximateCountAsync(sqs, redriveQueue));
    }

    [MotoFact]
    public async Task A_failed_Publish_Alert_keeps_the_composed_alert_and_replay_publishes_it_once_never_judging_it_again()
    {
        using var tables = new DynaliteTables();
        await tables.InitializeAsync();
        using var moto = MotoServer.Start();
        using var sqs = moto.Sqs();
        var replayQueue = await SqsQueues.CreateAsync(sqs, "replay");
        var redriveQueue = await SqsQueues.CreateAsync(sqs, "redrive");
        var options = new WorkflowOptions { SqsEndpoint = moto.Endpoint, ReplayQueueUrl = replayQueue };
        var original = Read("publish-fails-1", "cardholder_data_primary.csv", Start);

        var (failed, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, [("fails", original)],
            options with { FailPublish = ["Publish Alert"] });

        var failedRun = failed["fails"];
        Assert.Equal("FAILED", failedRun.Status);
        Assert.Equal(3, failedRun.States.Count(s => s == "retry Publish Alert"));
        Assert.Contains("Keep Notifications For Replay", failedRun.States);
        // Peek (visibility 0) so the message stays available to the replay below.
        var peek = await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest
        {
            QueueUrl = replayQueue, MaxNumberOfMessages = 10, VisibilityTimeout = 0, MessageAttributeNames = ["All"],
        });
        var kept = Assert.Single(peek.Messages);
        Assert.Equal("notifications", kept.MessageAttributes["kind"].StringValue);
        Assert.Equal("SNS.InternalErrorException", kept.MessageAttributes["error"].StringValue);
        Assert.Equal("[CRITICAL] S3 GetObject of cardholder_data_primary.csv by role/cg-banking-WAF-Role",
            JsonDocument.Parse(kept.Body).RootElement.GetProperty("dedup").GetProperty("alert").GetProperty("subject").GetString());

        // The same event again (say EventBridge re-delivered it) is a duplicate: the alert was decided once.
        var (redelivered, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, [("again", original)], options);
        Assert.Empty(redelivered["again"].Published);

        // Replay: the kept alert is published, not judged again.
        var replay = CliRunOf(["replay", "--replay-queue", replayQueue, "--redrive-queue", redriveQueue, "--endpoint-url", moto.Endpoint, "--region", "us-east-1"]);
        Assert.True(replay.ExitCode == 0, replay.Error);
        var (replayed, _) = await WorkflowRun.RunAsync(tables.Server.Endpoint, tables.ConfigTable, tables.DedupTable, [], options with { ExecutionsFromQueue = redriveQueue });

        var run = Assert.Single(replayed.Values);
        Assert.Equal(["Is Kept Notification", "Is New Alert", "Publish Alert", "Is Harvest Crossed", "Done"], run.States);
        var alert = Assert.Single(run.Messages("alert"));
        Assert.Equal("[CRITICAL] S3 GetObject of cardholder_data_primary.csv by role/cg-banking-WAF-Role", alert.GetProperty("Subject").GetString());
        Assert.Equal("publish-fails-1", Json(alert).GetProperty("eventId").GetString());
    }

    private static (int ExitCode, string Out, string Error) CliRunOf(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, () => new MemoryStream()));
        return (exit, output.ToString(), error.ToString());
    }
}
