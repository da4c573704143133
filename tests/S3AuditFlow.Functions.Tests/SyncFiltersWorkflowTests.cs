using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Filters;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// The real statemachine/sync-filters.asl.json in aws-local-stepfunctions, its Compile Filters task served by the
/// real built function over rules in a real dynalite. Stand-ins, because they cannot run here: the CloudTrail and
/// EventBridge APIs (putEventSelectors and putRule are captured, or made to fail, by run-workflow.js), SNS (captured),
/// and the Pipe from the table's stream and the hourly schedule that start the sync (the test starts each execution
/// itself, with the batch of keys the Pipe would send).
/// </summary>
public sealed class SyncFiltersWorkflowTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private const string ReadRule = "s3audit-AuditStateMachineS3ObjectRead-ABC";
    private const string CopyOutRule = "s3audit-AuditStateMachineS3ObjectCopyOut-DEF";
    private const string Trail = "s3audit-s3-data-events";
    private const string CentralBus = "s3audit-central";
    private const string CentralReadRule = "s3audit-CentralBusS3ObjectRead-GHI";
    private const string CentralCopyOutRule = "s3audit-CentralBusS3ObjectCopyOut-JKL";

    /// <summary>What the Pipe sends for one changed rule item (KEYS_ONLY stream record).</summary>
    private static JsonNode PipeBatch(string entry) => JsonNode.Parse($$$"""
        [{"eventName": "INSERT", "eventSource": "aws:dynamodb", "dynamodb": {"Keys": {"scope": {"S": "global"}, "entry": {"S": "{{{entry}}}"}}, "StreamViewType": "KEYS_ONLY"}}]
        """)!;

    private Task<ExecutionResult> SyncAsync(string table, string name, JsonNode input, bool managesTrail = true, params string[] failCalls) =>
        SyncAsync(table, name, input, managesTrail, null, failCalls);

    private Task<ExecutionResult> SyncAsync(string table, string name, JsonNode input, bool managesTrail, JsonObject? afterCall, params string[] failCalls) =>
        SyncAsync(table, name, input, managesTrail, afterCall, centralBus: false, failCalls);

    private async Task<ExecutionResult> SyncAsync(string table, string name, JsonNode input, bool managesTrail, JsonObject? afterCall, bool centralBus, params string[] failCalls)
    {
        var env = new JsonObject
        {
            ["S3AUDIT_STEP"] = "CompileFilters",
            ["S3AUDIT_CONFIG_TABLE"] = table,
            ["S3AUDIT_MONITORED_BUCKETS"] = string.Join(',', CompileFiltersStepTests.Buckets),
            ["AWS_ENDPOINT_URL_DYNAMODB"] = tables.Server.Endpoint,
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
        };
        var spec = new JsonObject
        {
            ["definition"] = AslPath,
            ["substitutions"] = new JsonObject
            {
                ["CompileFiltersFunctionArn"] = "arn:aws:lambda:us-east-1:123456789012:function:CompileFiltersFunction",
                ["ManagesTrail"] = managesTrail ? "true" : "false",
                ["TrailName"] = Trail,
                ["ReadRuleName"] = ReadRule,
                ["CopyOutRuleName"] = CopyOutRule,
                // As serverless.template writes them without OrganizationId or MemberAccountIds ("false", ""), or with.
                ["CentralBus"] = centralBus ? "true" : "false",
                ["CentralBusName"] = centralBus ? CentralBus : "",
                ["CentralReadRuleName"] = centralBus ? CentralReadRule : "",
                ["CentralCopyOutRuleName"] = centralBus ? CentralCopyOutRule : "",
                ["AlertTopicArn"] = "arn:aws:sns:us-east-1:123456789012:s3auditflow-alerts",
            },
            ["functions"] = new JsonObject { ["Compile Filters"] = WorkflowRun.Function(env) },
            ["failCalls"] = new JsonArray([.. failCalls.Select(c => (JsonNode)c)]),
            ["dynamoEndpoint"] = tables.Server.Endpoint,
            ["afterCall"] = afterCall,
            ["executions"] = WorkflowRun.Executions([(name, input)]),
        };
        var (results, logs) = await WorkflowRun.RunSpecAsync(spec);
        var result = results[name];
        Assert.True(result.Status == "SUCCEEDED" || failCalls.Length > 0, $"{name}: {result.Status} {result.Error}\n{string.Join('\n', logs)}");
        return result;
    }

    private static JsonObject Call(ExecutionResult result, string state) =>
        JsonNode.Parse(Assert.Single(result.Calls, c => c.GetProperty("state").GetString() == state).GetProperty("parameters").GetRawText())!.AsObject();

    private static JsonObject Read(string bucket, string key) => new()
    {
        ["source"] = "aws.s3",
        ["detail-type"] = "AWS API Call via CloudTrail",
        ["detail"] = new JsonObject
        {
            ["eventSource"] = "s3.amazonaws.com",
            ["eventName"] = "GetObject",
            ["requestParameters"] = new JsonObject { ["bucketName"] = bucket, ["key"] = key },
        },
    };

    private static string AslPath => Path.Combine(RepoPaths.Root, "statemachine", "sync-filters.asl.json");

    [Fact]
    public async Task The_definition_is_valid_and_in_the_workflows_style()
    {
        var (valid, errors, _) = await AslTests.LintAsync(AslPath);
        Assert.True(valid, string.Join('\n', errors));
        var asl = JsonNode.Parse(File.ReadAllText(AslPath))!.AsObject();
        var audit = TemplateDocument.Load().LoadAsl();
        Assert.False(string.IsNullOrWhiteSpace((string?)asl["Comment"]), "top-level Comment");
        Assert.InRange((int?)asl["TimeoutSeconds"] ?? 0, 1, 3600);
        var (name, task) = Assert.Single(TemplateDocument.LambdaTasks(asl));
        Assert.Equal("Compile Filters", name);
        // The same retry as every Lambda task of the audit workflow.
        TemplateDocument.AssertJson(TemplateDocument.LambdaTasks(audit).First().Value["Retry"], task["Retry"], "Compile Filters Retry");
        foreach (var (state, definition) in TemplateDocument.States(asl).Where(s => (string?)s.Value["Type"] == "Task" && s.Key != "Report Sync Failure"))
        {
            var catcher = Assert.Single(definition["Catch"]!.AsArray())!;
            Assert.Equal("Report Sync Failure", (string?)catcher["Next"]);
            TemplateDocument.AssertJson(new JsonArray("States.ALL"), catcher["ErrorEquals"], $"{state} Catch");
        }
        Assert.Equal("Sync Failed", (string?)asl["States"]!["Report Sync Failure"]!["Next"]);
    }

    [Fact]
    public async Task A_sync_applies_the_compiled_filters_trail_first_and_a_rule_change_reaches_them_on_the_next_sync()
    {
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);

        var first = await SyncAsync(table, "first", PipeBatch("rule#prefix#hr/exports/"));

        Assert.Equal(["Begin Sync", "Compile Filters", "Filters Changed", "Manages Trail", "Apply Trail Selectors", "Apply Read Rule", "Copy Out Monitored",
            "Apply Copy-Out Rule", "Remember Applied", "Compile Filters", "Filters Changed", "Filters Applied"], first.States);
        Assert.Empty(first.Published);
        var cli = CompileFiltersStepTests.Cli(tables, table);
        var selectors = Call(first, "Apply Trail Selectors");
        Assert.Equal(Trail, (string?)selectors["TrailName"]);
        Assert.Equal(cli["trail"]!["AdvancedEventSelectors"]!.ToJsonString(), selectors["AdvancedEventSelectors"]!.ToJsonString());
        var read = Call(first, "Apply Read Rule");
        Assert.Equal((ReadRule, "ENABLED"), ((string?)read["Name"], (string?)read["State"]));
        Assert.False(string.IsNullOrEmpty((string?)read["Description"]));
        Assert.Equal(cli["eventBridge"]!["S3ObjectRead"]!.ToJsonString(), JsonNode.Parse((string)read["EventPattern"]!)!.ToJsonString());
        var copyOut = Call(first, "Apply Copy-Out Rule");
        Assert.Equal(CopyOutRule, (string?)copyOut["Name"]);
        Assert.Equal(cli["eventBridge"]!["S3ObjectCopyOut"]!.ToJsonString(), JsonNode.Parse((string)copyOut["EventPattern"]!)!.ToJsonString());
        // Before the change, a read of payroll/ is neither forwarded nor logged: that is what pre-filters save.
        Assert.False(EventPatternMatcher.Matches(JsonNode.Parse((string)read["EventPattern"]!)!, Read("www-assets", "payroll/2026-12.csv")));
        Assert.True(EventPatternMatcher.Matches(JsonNode.Parse((string)read["EventPattern"]!)!, Read("www-assets", "hr/exports/staff.csv")));

        using (var client = tables.Server.Client())
            await new DynamoConfigStore(client, table).PutAsync([], [new SensitivityRule(RuleKind.Prefix, "payroll/", SensitivityLevel.High)]);
        var second = await SyncAsync(table, "second", PipeBatch("rule#prefix#payroll/"));

        var pattern = JsonNode.Parse((string)Call(second, "Apply Read Rule")["EventPattern"]!)!;
        Assert.True(EventPatternMatcher.Matches(pattern, Read("www-assets", "payroll/2026-12.csv")), "the new rule's keys pass the applied pattern");
        Assert.True(EventPatternMatcher.Matches(pattern, Read("prod-backups", "payroll/2026-12.csv")), "a global rule reaches every monitored bucket");
        var trail = Call(second, "Apply Trail Selectors")["AdvancedEventSelectors"]!.AsArray();
        Assert.True(SelectorMatcher.Logs(trail, TrailEvent.S3("GetObject", "arn:aws:s3:::www-assets/payroll/2026-12.csv")), "the trail logs the new rule's keys");
    }

    [Fact]
    public async Task Without_the_stacks_own_trail_only_the_rules_are_applied()
    {
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);

        var result = await SyncAsync(table, "hourly", JsonNode.Parse("""{"source": "aws.events", "detail-type": "Scheduled Event"}""")!, managesTrail: false);

        Assert.DoesNotContain("Apply Trail Selectors", result.States);
        Assert.Equal(["Apply Read Rule", "Apply Copy-Out Rule"], result.Calls.Select(c => c.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_rule_written_while_a_sync_applies_is_applied_by_that_sync_before_it_ends()
    {
        // Two syncs can overlap; the one that compiled before a change must not be the last word. Here the change
        // lands between this sync's compile and its recompile, which is the window an overlapping sync would leave.
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);
        var payroll = new JsonObject
        {
            ["state"] = "Apply Read Rule",
            ["target"] = "DynamoDB_20120810.PutItem",
            ["parameters"] = JsonNode.Parse($$$$"""
                {"TableName": "{{{{table}}}}", "Item": {"scope": {"S": "global"}, "entry": {"S": "rule#prefix#payroll/"}, "level": {"S": "high"}}}
                """),
        };

        var result = await SyncAsync(table, "overlapped", PipeBatch("rule#prefix#hr/exports/"), managesTrail: true, afterCall: payroll);

        // Compiled, applied, compiled again (the rule is there now), applied again, compiled a third time: unchanged.
        Assert.Equal(3, result.States.Count(s => s == "Compile Filters"));
        Assert.Equal(["Remember Applied", "Compile Filters", "Filters Changed", "Filters Applied"], result.States.TakeLast(4));
        var reads = result.Calls.Where(c => c.GetProperty("state").GetString() == "Apply Read Rule")
            .Select(c => JsonNode.Parse(c.GetProperty("parameters").GetProperty("EventPattern").GetString()!)!).ToList();
        Assert.Equal(2, reads.Count);
        Assert.False(EventPatternMatcher.Matches(reads[0], Read("www-assets", "payroll/2026-12.csv")), "the first apply predates the rule");
        Assert.True(EventPatternMatcher.Matches(reads[1], Read("www-assets", "payroll/2026-12.csv")), "the second apply covers it");
        Assert.Equal(CompileFiltersStepTests.Cli(tables, table)["eventBridge"]!["S3ObjectRead"]!.ToJsonString(), reads[1].ToJsonString());
        var trails = result.Calls.Where(c => c.GetProperty("state").GetString() == "Apply Trail Selectors").ToList();
        Assert.Equal(2, trails.Count);
        Assert.True(SelectorMatcher.Logs(JsonNode.Parse(trails[1].GetProperty("parameters").GetProperty("AdvancedEventSelectors").GetRawText())!.AsArray(),
            TrailEvent.S3("GetObject", "arn:aws:s3:::www-assets/payroll/2026-12.csv")), "the trail logs the new rule's keys");
    }

    [Fact]
    public async Task A_failing_put_rule_is_reported_with_the_change_that_may_be_unprotected_and_fails_the_execution()
    {
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);

        var result = await SyncAsync(table, "failing", PipeBatch("rule#prefix#payroll/"), failCalls: "Apply Read Rule");

        Assert.Equal("FAILED", result.Status);
        Assert.Equal("FiltersNotSynced", result.Error);
        Assert.Equal(["Begin Sync", "Compile Filters", "Filters Changed", "Manages Trail", "Apply Trail Selectors", "Apply Read Rule"], result.States.Take(6));
        Assert.Contains("retry Apply Read Rule", result.States);
        Assert.Equal(["Report Sync Failure", "Sync Failed"], result.States.TakeLast(2));
        Assert.DoesNotContain(result.Calls, c => c.GetProperty("state").GetString() == "Apply Copy-Out Rule");
        var mail = Assert.Single(result.Published).GetProperty("parameters");
        Assert.Equal("filters-sync-failure", WorkflowRun.Attribute(mail, "kind"));
        var message = mail.GetProperty("Message").GetString()!;
        Assert.Contains("EventBridge.InternalException", message, StringComparison.Ordinal);
        Assert.Contains("rule#prefix#payroll/", message, StringComparison.Ordinal);
        Assert.Contains("last successful sync", message, StringComparison.Ordinal);
        Assert.True(mail.GetProperty("Subject").GetString()!.Length < 100, "SNS subjects are under 100 characters");
    }

    [Fact]
    public async Task With_a_central_bus_its_two_rules_are_narrowed_too_before_this_accounts_trail_and_rules()
    {
        // Without this, members' forwarded reads would start an execution each, whatever the rules: the org path
        // would stay unfiltered while the single-account path is narrowed.
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);

        var result = await SyncAsync(table, "central", PipeBatch("rule#prefix#hr/exports/"), managesTrail: true, afterCall: null, centralBus: true);

        Assert.Equal(["Begin Sync", "Compile Filters", "Filters Changed", "Apply Central Read Rule", "Central Copy Out Monitored", "Apply Central Copy-Out Rule",
            "Manages Trail", "Apply Trail Selectors", "Apply Read Rule", "Copy Out Monitored", "Apply Copy-Out Rule", "Remember Applied",
            "Compile Filters", "Filters Changed", "Filters Applied"], result.States);
        var cli = CompileFiltersStepTests.Cli(tables, table);
        var read = Call(result, "Apply Central Read Rule");
        Assert.Equal((CentralReadRule, CentralBus, "ENABLED"), ((string?)read["Name"], (string?)read["EventBusName"], (string?)read["State"]));
        Assert.Equal(cli["eventBridge"]!["S3ObjectRead"]!.ToJsonString(), JsonNode.Parse((string)read["EventPattern"]!)!.ToJsonString());
        var copyOut = Call(result, "Apply Central Copy-Out Rule");
        Assert.Equal((CentralCopyOutRule, CentralBus), ((string?)copyOut["Name"], (string?)copyOut["EventBusName"]));
        Assert.Equal(cli["eventBridge"]!["S3ObjectCopyOut"]!.ToJsonString(), JsonNode.Parse((string)copyOut["EventPattern"]!)!.ToJsonString());
        // The same patterns as the default bus's rules; those calls name no bus (PutRule's default).
        Assert.Equal((string?)Call(result, "Apply Read Rule")["EventPattern"], (string?)read["EventPattern"]);
        Assert.Null(Call(result, "Apply Read Rule")["EventBusName"]);
        // A member's read of a key no rule can match no longer starts an execution; one that a rule can match does.
        var pattern = JsonNode.Parse((string)read["EventPattern"]!)!;
        var forwarded = Read("www-assets", "payroll/2026-12.csv");
        forwarded["account"] = "444455556666";
        Assert.False(EventPatternMatcher.Matches(pattern, forwarded));
        forwarded["detail"]!["requestParameters"]!["key"] = "hr/exports/staff.csv";
        Assert.True(EventPatternMatcher.Matches(pattern, forwarded));
    }

    [Fact]
    public async Task A_failing_central_put_rule_is_reported_and_leaves_this_accounts_filters_as_they_were()
    {
        var table = await CompileFiltersStepTests.TableWithAsync(tables, CompileFiltersStepTests.Rules);

        var result = await SyncAsync(table, "central-failing", PipeBatch("rule#prefix#payroll/"), managesTrail: true, afterCall: null, centralBus: true, "Apply Central Read Rule");

        Assert.Equal("FAILED", result.Status);
        Assert.Equal(["Report Sync Failure", "Sync Failed"], result.States.TakeLast(2));
        Assert.DoesNotContain(result.Calls, c => c.GetProperty("state").GetString() is "Apply Trail Selectors" or "Apply Read Rule" or "Apply Central Copy-Out Rule");
        Assert.Equal("filters-sync-failure", WorkflowRun.Attribute(Assert.Single(result.Published).GetProperty("parameters"), "kind"));
    }
}
