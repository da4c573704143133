using System.Text.Json.Nodes;

namespace S3AuditFlow.Functions.Tests;

/// <summary>serverless.template's pre-filter sync: what starts it, what it may touch, and what alarms when it fails.</summary>
public sealed class SyncFiltersTemplateTests
{
    private const string Machine = TemplateDocument.SyncStateMachineId;
    private readonly TemplateDocument _template = TemplateDocument.Load();

    private static readonly string[] SyncResources =
    [
        "CompileFiltersFunction", "CompileFiltersFunctionLogGroup", Machine, "SyncFiltersStateMachineLogGroup",
        "SyncFiltersPipeRole", "SyncFiltersPipe", "SyncFiltersFailedAlarm", "SyncFiltersTimedOutAlarm",
        "SyncFiltersPipeFailedAlarm", "SyncFiltersScheduleFailedAlarm",
    ];

    [Fact]
    public void PreFilters_is_on_by_default_and_every_sync_resource_exists_only_with_it()
    {
        var parameter = _template.Parameters["PreFilters"]!;
        Assert.Equal("on", (string?)parameter["Default"]);
        Assert.Equal(["on", "off"], parameter["AllowedValues"]!.AsArray().Select(v => (string)v!));
        TemplateDocument.AssertJson(new JsonObject { ["Fn::Equals"] = new JsonArray(TemplateDocument.Ref("PreFilters"), "on") },
            _template.Root["Conditions"]!["PreFiltersOn"], "PreFiltersOn");
        foreach (var id in SyncResources)
            Assert.Equal("PreFiltersOn", (string?)_template.Resource(id)["Condition"]);
        TemplateDocument.AssertJson(new JsonObject { ["Fn::If"] = new JsonArray("PreFiltersOn", new JsonObject { ["StreamViewType"] = "KEYS_ONLY" }, TemplateDocument.Ref("AWS::NoValue")) },
            _template.PropertiesOf("ConfigTable")["StreamSpecification"], "the config table's stream");
    }

    [Fact]
    public void Rule_changes_start_one_sync_per_batch_and_the_schedule_reapplies_hourly()
    {
        var pipe = _template.PropertiesOf("SyncFiltersPipe");
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ConfigTable", "StreamArn"), pipe["Source"], "pipe source");
        TemplateDocument.AssertJson(TemplateDocument.Ref(Machine), pipe["Target"], "pipe target");
        Assert.Equal("FIRE_AND_FORGET", (string?)pipe["TargetParameters"]!["StepFunctionStateMachineParameters"]!["InvocationType"]);
        var stream = pipe["SourceParameters"]!["DynamoDBStreamParameters"]!;
        Assert.InRange((int?)stream["MaximumBatchingWindowInSeconds"] ?? -1, 1, 60);
        var filter = JsonNode.Parse((string)Assert.Single(pipe["SourceParameters"]!["FilterCriteria"]!["Filters"]!.AsArray())!["Pattern"]!)!;
        // Only rule items: allowlist edits do not change the filters.
        Assert.True(Core.Tests.Filters.EventPatternMatcher.Matches(filter, Record("rule#prefix#hr/")));
        Assert.False(Core.Tests.Filters.EventPatternMatcher.Matches(filter, Record("principal#arn:aws:iam::1:role/x")));

        var hourly = Assert.Single(_template.PropertiesOf(Machine)["Events"]!.AsObject()).Value!;
        Assert.Equal("Schedule", (string?)hourly["Type"]);
        Assert.Equal("rate(1 hour)", (string?)hourly["Properties"]!["Schedule"]);
        Assert.Equal("STANDARD", (string?)_template.PropertiesOf(Machine)["Type"]);
    }

    private static JsonObject IfCentralBus(JsonNode whenBus, JsonNode otherwise) => new() { ["Fn::If"] = new JsonArray("HasCentralBus", whenBus, otherwise) };

    private static JsonObject Record(string entry) => new()
    {
        ["eventName"] = "MODIFY",
        ["dynamodb"] = new JsonObject { ["Keys"] = new JsonObject { ["scope"] = new JsonObject { ["S"] = "global" }, ["entry"] = new JsonObject { ["S"] = entry } } },
    };

    [Fact]
    public void The_sync_may_only_put_the_stacks_two_rules_and_its_trail_invoke_its_function_and_mail_the_topic()
    {
        var properties = _template.PropertiesOf(Machine);
        Assert.Null(properties["Role"]);
        var policies = TemplateDocument.Policies(properties);
        TemplateDocument.AssertJson(new JsonObject { ["LambdaInvokePolicy"] = new JsonObject { ["FunctionName"] = TemplateDocument.Ref("CompileFiltersFunction") } }, policies[0], "invoke");
        TemplateDocument.AssertJson(new JsonObject { ["SNSPublishMessagePolicy"] = new JsonObject { ["TopicName"] = TemplateDocument.GetAtt("AlertTopic", "TopicName") } }, policies[1], "publish");
        var statements = policies[2]["Statement"]!.AsArray().ToDictionary(s => (string)s!["Sid"]!, s => s!);
        Assert.Equal(["ApplyEventPatterns", "ApplyTrailSelectors", "DeliverExecutionLogs", "PublishToEncryptedTopic"], statements.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, policies.Count);
        Assert.Equal("events:PutRule", (string?)statements["ApplyEventPatterns"]["Action"]);
        // The default bus's two rules, and the central bus's two when the stack has that bus (organization-wide).
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.GetAtt("AuditStateMachineS3ObjectRead", "Arn"), TemplateDocument.GetAtt("AuditStateMachineS3ObjectCopyOut", "Arn"),
                IfCentralBus(TemplateDocument.GetAtt("CentralBusS3ObjectRead", "Arn"), TemplateDocument.Ref("AWS::NoValue")),
                IfCentralBus(TemplateDocument.GetAtt("CentralBusS3ObjectCopyOut", "Arn"), TemplateDocument.Ref("AWS::NoValue"))),
            statements["ApplyEventPatterns"]["Resource"], "the rules the sync may put");
        Assert.Equal("cloudtrail:PutEventSelectors", (string?)statements["ApplyTrailSelectors"]["Action"]);
        TemplateDocument.AssertJson(new JsonObject { ["Fn::Sub"] = "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${AWS::StackName}-s3-data-events" },
            statements["ApplyTrailSelectors"]["Resource"], "the trail the sync may change");
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("AlertKey", "Arn"), statements["PublishToEncryptedTopic"]["Resource"], "the topic's key");

        // The names PutRule gets are the rules' own, and the trail is only touched when the stack made it.
        var substitutions = properties["DefinitionSubstitutions"]!;
        TemplateDocument.AssertJson(TemplateDocument.Ref("AuditStateMachineS3ObjectRead"), substitutions["ReadRuleName"], "ReadRuleName");
        TemplateDocument.AssertJson(TemplateDocument.Ref("AuditStateMachineS3ObjectCopyOut"), substitutions["CopyOutRuleName"], "CopyOutRuleName");
        TemplateDocument.AssertJson(new JsonObject { ["Fn::If"] = new JsonArray("ShouldCreateTrail", "true", "false") }, substitutions["ManagesTrail"], "ManagesTrail");
        TemplateDocument.AssertJson(IfCentralBus("true", "false"), substitutions["CentralBus"], "CentralBus");
        TemplateDocument.AssertJson(IfCentralBus(TemplateDocument.Ref("CentralEventBus"), ""), substitutions["CentralBusName"], "CentralBusName");
        // A rule on a custom bus has the ARN arn:…:rule/<bus>/<name>; PutRule takes the name and the bus apart.
        foreach (var (substitution, rule) in new[] { ("CentralReadRuleName", "CentralBusS3ObjectRead"), ("CentralCopyOutRuleName", "CentralBusS3ObjectCopyOut") })
        {
            var name = new JsonObject { ["Fn::Select"] = new JsonArray(2, new JsonObject { ["Fn::Split"] = new JsonArray("/", TemplateDocument.GetAtt(rule, "Arn")) }) };
            TemplateDocument.AssertJson(IfCentralBus(name, ""), substitutions[substitution], substitution);
        }
        TemplateDocument.AssertJson(_template.PropertiesOf("DataEventTrail")["TrailName"], substitutions["TrailName"], "TrailName");

        // The function only reads the config table.
        TemplateDocument.AssertJson(new JsonArray(new JsonObject { ["DynamoDBReadPolicy"] = new JsonObject { ["TableName"] = TemplateDocument.Ref("ConfigTable") } }),
            new JsonArray([.. TemplateDocument.Policies(_template.PropertiesOf("CompileFiltersFunction")).Select(p => p.DeepClone())]), "CompileFiltersFunction Policies");
        Assert.Equal("CompileFilters", (string?)_template.EnvironmentVariable("CompileFiltersFunction", "S3AUDIT_STEP"));

        var pipeStatements = _template.PropertiesOf("SyncFiltersPipeRole")["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray();
        var start = Assert.Single(pipeStatements, s => s!["Action"]!.ToJsonString() == "\"states:StartExecution\"")!;
        TemplateDocument.AssertJson(TemplateDocument.Ref(Machine), start["Resource"], "the pipe starts only the sync");
    }

    [Fact]
    public void A_failed_or_timed_out_sync_raises_an_alarm_to_the_topic()
    {
        var alarms = _template.IdsOfType("AWS::CloudWatch::Alarm").Select(_template.PropertiesOf)
            .Where(a => JsonNode.DeepEquals(a["Dimensions"]?[0]?["Value"], TemplateDocument.Ref(Machine))).ToList();
        Assert.Equal(["ExecutionsFailed", "ExecutionsTimedOut"], alarms.Select(a => (string)a["MetricName"]!).Order(StringComparer.Ordinal));
        foreach (var alarm in alarms)
        {
            Assert.Equal((1, "GreaterThanOrEqualToThreshold"), ((int?)alarm["Threshold"], (string?)alarm["ComparisonOperator"]));
            TemplateDocument.AssertJson(new JsonArray(TemplateDocument.Ref("AlertTopic")), alarm["AlarmActions"], "alarm actions");
        }
    }

    [Theory]
    [InlineData("SyncFiltersPipeFailedAlarm", "AWS/EventBridge/Pipes", "ExecutionFailed", "PipeName", "SyncFiltersPipe")]
    [InlineData("SyncFiltersScheduleFailedAlarm", "AWS/Events", "FailedInvocations", "RuleName", "SyncFiltersStateMachineHourly")]
    public void A_sync_that_cannot_even_start_raises_an_alarm_too(string id, string metricNamespace, string metric, string dimension, string resource)
    {
        var alarm = _template.PropertiesOf(id);
        Assert.Equal((metricNamespace, metric), ((string?)alarm["Namespace"], (string?)alarm["MetricName"]));
        TemplateDocument.AssertJson(new JsonArray(new JsonObject { ["Name"] = dimension, ["Value"] = TemplateDocument.Ref(resource) }), alarm["Dimensions"], $"{id} Dimensions");
        Assert.Equal((1, "GreaterThanOrEqualToThreshold"), ((int?)alarm["Threshold"], (string?)alarm["ComparisonOperator"]));
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.Ref("AlertTopic")), alarm["AlarmActions"], $"{id} AlarmActions");
    }
}
