using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>statemachine/s3-audit.asl.json: linted by asl-validator (npm) and held to the design's ASL style.</summary>
public sealed class AslTests
{
    private const string NotifyFailure = "Notify Evaluation Failure";
    private const string NotifyUnkept = "Notify Unkept Failure";
    private const string KeepEvent = "Keep Event For Replay";
    private const string CountFailure = "Count Failure";
    private const string SnsPublish = "arn:aws:states:::sns:publish";
    private const string SqsSend = "arn:aws:states:::sqs:sendMessage";

    /// <summary>The dedup-table item the state machine counts failures on (and the only one its policy lets it touch).</summary>
    internal const string FailureNoticeKey = "failure-notice";

    private readonly TemplateDocument _template = TemplateDocument.Load();

    internal static async Task<(bool Valid, string[] Errors, string Raw)> LintAsync(string aslPath)
    {
        var result = await ArtifactCommand.RunAsync(RepoPaths.Node, [Path.Combine(RepoPaths.NodeTools, "validate-asl.js"), aslPath], TimeSpan.FromSeconds(60), RepoPaths.NodeTools);
        Assert.True(result.ExitCode == 0, result.ToString());
        var line = result.Output.Split('\n').Last(l => l.StartsWith('{'));
        using var document = JsonDocument.Parse(line);
        var errors = document.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        return (document.RootElement.GetProperty("valid").GetBoolean(), errors, result.Output);
    }

    [Fact]
    public async Task Asl_validator_reports_the_definition_valid()
    {
        var (valid, errors, raw) = await LintAsync(_template.AslPath);
        Assert.True(valid, "asl-validator: " + string.Join('\n', errors) + "\n" + raw);
    }

    public static TheoryData<string> Breakages => ["Next to a missing state", "Choice without Choices", "unknown state type"];

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task Asl_validator_reports_a_broken_copy_invalid(string breakage)
    {
        var asl = _template.LoadAsl();
        var states = asl["States"]!.AsObject();
        switch (breakage)
        {
            case "Next to a missing state":
                states["Parse Event"]!["Next"] = "No Such State";
                break;
            case "Choice without Choices":
                states["Is Applicable"]!.AsObject().Remove("Choices");
                break;
            default:
                states["Not Applicable"]!["Type"] = "Succeeded";
                break;
        }
        using var scratch = new BuildScratch();
        var path = scratch.Sub("broken.asl.json");
        await File.WriteAllTextAsync(path, asl.ToJsonString());
        var (valid, errors, raw) = await LintAsync(path);
        Assert.False(valid, $"asl-validator accepted a definition with {breakage}:\n{raw}");
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Definition_has_a_comment_and_an_express_sized_timeout_and_title_case_state_names()
    {
        var asl = _template.LoadAsl();
        Assert.False(string.IsNullOrWhiteSpace((string?)asl["Comment"]), "top-level Comment");
        var timeout = (int?)asl["TimeoutSeconds"] ?? 0;
        // An Express execution lasts at most 5 minutes.
        Assert.InRange(timeout, 1, 300);
        foreach (var (name, _) in TemplateDocument.States(asl))
            Assert.All(name.Split(' '), word => Assert.True(word.Length > 0 && char.IsUpper(word[0]), $"state \"{name}\" is not Title Case"));
    }

    [Fact]
    public void Every_Lambda_task_has_AWS_recommended_retry_and_keeps_the_event_for_replay()
    {
        var asl = _template.LoadAsl();
        var tasks = TemplateDocument.LambdaTasks(asl).ToList();
        Assert.Equal(4, tasks.Count);
        var first = tasks[0].Value["Retry"];
        var retry = Assert.Single(first!.AsArray())!.AsObject();
        // The transient Lambda errors AWS's Step Functions guidance retries, throttling included.
        Assert.Equal(
            ["Lambda.AWSLambdaException", "Lambda.ClientExecutionTimeoutException", "Lambda.SdkClientException", "Lambda.ServiceException", "Lambda.TooManyRequestsException"],
            retry["ErrorEquals"]!.AsArray().Select(e => (string)e!).Order(StringComparer.Ordinal));
        Assert.Equal(2, (int?)retry["IntervalSeconds"]);
        Assert.Equal(2.0, (double?)retry["BackoffRate"]);
        Assert.True((int?)retry["MaxAttempts"] >= 6, "MaxAttempts >= 6: a throttled burst needs several tries");
        Assert.True((int?)retry["MaxDelaySeconds"] > 0, "MaxDelaySeconds caps the backoff");
        Assert.Equal("FULL", (string?)retry["JitterStrategy"]);
        foreach (var (name, state) in tasks)
        {
            TemplateDocument.AssertJson(first, state["Retry"], $"{name} Retry");
            AssertCatchesInto(name, state, KeepEvent, "$.failure");
        }
    }

    [Fact]
    public void Worst_case_retry_waits_fit_in_the_execution_timeout()
    {
        var asl = _template.LoadAsl();
        var timeout = (int?)asl["TimeoutSeconds"] ?? 0;
        // FULL jitter waits at most the computed delay: Interval × Backoff^k, capped by MaxDelaySeconds.
        var lambdaTasks = TemplateDocument.LambdaTasks(asl).Select(t => RetryWaitBudget(t.Value)).ToList();
        Assert.Equal(4, lambdaTasks.Count);
        var lambdaBudget = lambdaTasks.Sum();
        Assert.True(lambdaBudget < timeout, $"the four Lambda tasks may wait {lambdaBudget} s in retries; the execution times out after {timeout} s");

        // Every path, failure handling included (a task that exhausts its retries is caught into the next one),
        // must leave time to keep the event: an execution timing out would lose it.
        var states = asl["States"]!.AsObject();
        var memo = new Dictionary<string, double>(StringComparer.Ordinal);
        var longest = LongestWait((string)asl["StartAt"]!, states, memo, []);
        Assert.True(longest < timeout, $"a path through the machine may wait {longest} s in retries; the execution times out after {timeout} s");
    }

    /// <summary>The most seconds one state's retriers can wait (the retrier with the largest total).</summary>
    private static double RetryWaitBudget(JsonObject state) =>
        (state["Retry"]?.AsArray() ?? []).Select(r =>
        {
            var interval = (double?)r!["IntervalSeconds"] ?? 1;
            var backoff = (double?)r["BackoffRate"] ?? 2;
            var attempts = (int?)r["MaxAttempts"] ?? 3;
            var cap = (double?)r["MaxDelaySeconds"] ?? double.MaxValue;
            return Enumerable.Range(0, attempts).Sum(k => Math.Min(interval * Math.Pow(backoff, k), cap));
        }).DefaultIfEmpty(0).Max();

    private static double LongestWait(string name, JsonObject states, Dictionary<string, double> memo, HashSet<string> path)
    {
        if (memo.TryGetValue(name, out var known))
            return known;
        Assert.True(path.Add(name), $"the machine loops through {name}");
        var state = states[name]!.AsObject();
        var next = Successors(state).Select(n => LongestWait(n, states, memo, path)).DefaultIfEmpty(0).Max();
        path.Remove(name);
        return memo[name] = RetryWaitBudget(state) + next;
    }

    private static IEnumerable<string> Successors(JsonObject state) =>
        new[] { (string?)state["Next"], (string?)state["Default"] }
            .Concat((state["Choices"]?.AsArray() ?? []).Select(c => (string?)c!["Next"]))
            .Concat((state["Catch"]?.AsArray() ?? []).Select(c => (string?)c!["Next"]))
            .OfType<string>().Distinct(StringComparer.Ordinal);

    [Fact]
    public void Failed_publishes_keep_their_notifications_and_every_keep_falls_back_to_a_mail()
    {
        var asl = _template.LoadAsl();
        var states = asl["States"]!.AsObject();
        AssertCatchesInto("Publish Alert", states["Publish Alert"]!.AsObject(), "Keep Notifications For Replay", "$.failure");
        AssertCatchesInto("Publish Harvest", states["Publish Harvest"]!.AsObject(), "Keep Harvest For Replay", "$.failure");

        var keeps = TemplateDocument.States(asl).Where(s => s.Key.StartsWith("Keep ", StringComparison.Ordinal)).ToList();
        Assert.Equal([KeepEvent, "Keep Harvest For Replay", "Keep Notifications For Replay"], keeps.Select(k => k.Key).Order(StringComparer.Ordinal));
        foreach (var (name, keep) in keeps)
        {
            Assert.Equal(SqsSend, (string?)keep["Resource"]);
            Assert.Equal("${ReplayQueueUrl}", (string?)keep["Parameters"]?["QueueUrl"]);
            // $.failure still holds the original error for the mail; the keep's own error goes beside it.
            AssertCatchesInto(name, keep, NotifyUnkept, "$.keepFailure");
            Assert.Equal(CountFailure, (string?)keep["Next"]);
        }
        // The kept event is the execution's input, exactly as EventBridge delivered it: a replay judges it afresh.
        Assert.Equal("$$.Execution.Input", (string?)states[KeepEvent]!["Parameters"]?["MessageBody.$"]);
        // Kept notifications are recognised by the first Choice on replay, never judged (and deduplicated) again.
        foreach (var name in new[] { "Keep Notifications For Replay", "Keep Harvest For Replay" })
            Assert.Equal("notifications", (string?)states[name]!["Parameters"]?["MessageBody"]?["kept"]);
        var start = states[(string)asl["StartAt"]!]!.AsObject();
        Assert.Equal("Choice", (string?)start["Type"]);
        Assert.Contains(start["Choices"]!.AsArray(), c => (string?)c!["Variable"] == "$.kept" && (bool?)c["IsPresent"] == true);
    }

    [Fact]
    public void Only_the_first_failure_of_the_hour_reaches_the_failure_mail()
    {
        var asl = _template.LoadAsl();
        var states = asl["States"]!.AsObject();
        var into = TemplateDocument.States(asl).Where(s => Successors(s.Value).Contains(NotifyFailure)).Select(s => s.Key).ToList();
        Assert.Equal([CountFailure], into);

        // The counter: one item of the dedup table, updated by Step Functions itself, only when the hour is later than
        // the one that mailed last (monotonic: executions that end out of order cannot make an hour mail twice).
        var count = states[CountFailure]!.AsObject();
        Assert.Equal("arn:aws:states:::dynamodb:updateItem", (string?)count["Resource"]);
        Assert.Equal("${DedupTableName}", (string?)count["Parameters"]?["TableName"]);
        TemplateDocument.AssertJson(new JsonObject { ["id"] = new JsonObject { ["S"] = FailureNoticeKey } }, count["Parameters"]?["Key"], "Count Failure Key");
        Assert.Equal("attribute_not_exists(lastWindow) OR lastWindow < :window", (string?)count["Parameters"]?["ConditionExpression"]);
        Assert.Equal(NotifyFailure, (string?)count["Next"]);
        // A failed condition is not retried; it means "this hour already mailed": count only, then fail.
        var first = count["Retry"]!.AsArray()[0]!;
        TemplateDocument.AssertJson(new JsonArray("DynamoDB.ConditionalCheckFailedException"), first["ErrorEquals"], "first retrier");
        Assert.Equal(0, (int?)first["MaxAttempts"]);
        var sameHour = count["Catch"]!.AsArray().Single(c => (string?)c!["ErrorEquals"]![0] == "DynamoDB.ConditionalCheckFailedException")!;
        var countOnly = states[(string)sameHour["Next"]!]!.AsObject();
        Assert.DoesNotContain("ConditionExpression", countOnly["Parameters"]!.AsObject().Select(p => p.Key));
        Assert.Equal("Fail", (string?)states[(string)countOnly["Next"]!]?["Type"]);
    }

    private static void AssertCatchesInto(string name, JsonObject state, string next, string resultPath)
    {
        var catcher = Assert.Single(state["Catch"]?.AsArray() ?? [])!;
        TemplateDocument.AssertJson(new JsonArray("States.ALL"), catcher["ErrorEquals"], $"{name} Catch ErrorEquals");
        Assert.Equal(next, (string?)catcher["Next"]);
        // The error goes beside the input, never over it: what is kept or mailed still has the event.
        Assert.Equal(resultPath, (string?)catcher["ResultPath"]);
    }

    [Theory]
    [InlineData("Publish Alert", "alert", new[] { "bucket", "eventName", "kind", "severity" })]
    [InlineData("Publish Harvest", "harvest", new[] { "bucket", "kind", "severity" })]
    public void Publishes_carry_filterable_attributes_and_their_kind(string stateName, string kind, string[] expected)
    {
        var asl = _template.LoadAsl();
        var publish = asl["States"]![stateName]!.AsObject();
        Assert.Equal("Task", (string?)publish["Type"]);
        Assert.Equal(SnsPublish, (string?)publish["Resource"]);
        var parameters = publish["Parameters"]!.AsObject();
        Assert.Equal("${AlertTopicArn}", (string?)parameters["TopicArn"]);
        Assert.True(parameters.ContainsKey("Subject.$") || parameters.ContainsKey("Subject"), "Subject");
        Assert.True(parameters.ContainsKey("Message.$") || parameters.ContainsKey("Message"), "Message");
        var attributes = parameters["MessageAttributes"]!.AsObject();
        Assert.Equal(expected, attributes.Select(a => a.Key).Order(StringComparer.Ordinal));
        foreach (var (name, attribute) in attributes)
        {
            Assert.Equal("String", (string?)attribute!["DataType"]);
            Assert.True(attribute.AsObject().ContainsKey("StringValue.$") || attribute.AsObject().ContainsKey("StringValue"), $"attribute {name} has a value");
        }
        Assert.Equal(kind, (string?)attributes["kind"]?["StringValue"]);
        // ResultPath null: the publish result must not replace $.dedup, which the harvest publish (or a keep) still reads.
        Assert.True(publish.ContainsKey("ResultPath") && publish["ResultPath"] is null, $"{stateName} ResultPath is null");
    }

    [Theory]
    [InlineData(NotifyFailure)]
    [InlineData(NotifyUnkept)]
    public void Failure_mails_publish_then_fail_the_execution(string stateName)
    {
        var asl = _template.LoadAsl();
        var states = asl["States"]!.AsObject();
        var notify = states[stateName]!.AsObject();
        Assert.Equal("Task", (string?)notify["Type"]);
        Assert.Equal(SnsPublish, (string?)notify["Resource"]);
        Assert.Equal("${AlertTopicArn}", (string?)notify["Parameters"]?["TopicArn"]);
        Assert.Equal("evaluation-failure", (string?)notify["Parameters"]?["MessageAttributes"]?["kind"]?["StringValue"]);
        var next = (string?)notify["Next"] ?? throw new Xunit.Sdk.XunitException($"{stateName} has no Next");
        Assert.Equal("Fail", (string?)states[next]?["Type"]);
        // Its own failure must still fail the execution (and raise the alarm), never loop back into the workflow.
        foreach (var catcher in notify["Catch"]?.AsArray() ?? [])
            Assert.Equal("Fail", (string?)states[(string)catcher!["Next"]!]?["Type"]);
    }
}
