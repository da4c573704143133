using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.Validation;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.TestSupport;
using Xunit.Abstractions;

namespace S3AuditFlow.Functions.Tests;

/// <summary>serverless.template against the official SAM schema and policy templates, the ASL, the code and the security posture the design asks for.</summary>
public sealed partial class TemplateTests(ITestOutputHelper output)
{
    private static readonly Lazy<Task<JsonSchema>> SamSchema = new(() =>
        JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "schemas", "sam.schema.json"))));

    private readonly TemplateDocument _template = TemplateDocument.Load();

    /// <summary>What sam.schema.json reports for a template, one line per error.</summary>
    internal static async Task<List<string>> SchemaErrorsAsync(string templateJson)
    {
        var schema = await SamSchema.Value;
        var lines = new List<string>();
        Flatten(schema.Validate(templateJson), "", lines);
        return lines;
    }

    private static void Flatten(IEnumerable<ValidationError> errors, string indent, List<string> lines)
    {
        foreach (var error in errors)
        {
            lines.Add($"{indent}{error.Kind} at {error.Path} (line {error.LineNumber}): {error.Property}");
            if (error is ChildSchemaValidationError child)
            {
                foreach (var (_, nested) in child.Errors)
                    Flatten(nested, indent + "  ", lines);
            }
        }
    }

    [Fact]
    public async Task Template_is_valid_against_the_official_SAM_schema()
    {
        var errors = await SchemaErrorsAsync(_template.Text);
        foreach (var line in errors)
            output.WriteLine(line);
        Assert.True(errors.Count == 0, "sam.schema.json rejects serverless.template:\n" + string.Join('\n', errors));
    }

    public static TheoryData<string> BrokenTemplates => ["state machine Properties.Typo", "state machine Policies: 42", "event Type EventBridgeRul", "function Properties.Handlr"];

    [Theory]
    [MemberData(nameof(BrokenTemplates))]
    public async Task Schema_validation_rejects_a_broken_copy_of_the_template(string change)
    {
        var copy = JsonNode.Parse(_template.Text)!.AsObject();
        var resources = copy["Resources"]!.AsObject();
        var machineId = _template.StateMachineId;
        var machine = resources[machineId]!["Properties"]!.AsObject();
        string where;
        switch (change)
        {
            case "state machine Properties.Typo":
                machine["Typo"] = 1;
                where = $"{machineId}.Properties.Typo";
                break;
            case "state machine Policies: 42":
                machine["Policies"] = 42;
                where = $"{machineId}.Properties.Policies";
                break;
            case "event Type EventBridgeRul":
                var (eventId, source) = machine["Events"]!.AsObject().First();
                source!["Type"] = "EventBridgeRul";
                where = $"{machineId}.Properties.Events.{eventId}";
                break;
            default:
                var function = _template.FunctionIds[0];
                resources[function]!["Properties"]!["Handlr"] = "S3AuditFlow.Functions";
                where = $"{function}.Properties.Handlr";
                break;
        }
        var errors = await SchemaErrorsAsync(copy.ToJsonString());
        output.WriteLine($"{change}: {errors.Count} error lines");
        foreach (var line in errors)
            output.WriteLine(line);
        Assert.Contains(errors, line => line.Contains(where, StringComparison.Ordinal));
    }

    /// <summary>cfn-lint's parseable report on a template.</summary>
    internal static async Task<CommandResult> CfnLintAsync(string templatePath) =>
        await ArtifactCommand.RunAsync(CfnLint.Path!, ["--format", "parseable", templatePath], TimeSpan.FromMinutes(2), Path.GetDirectoryName(templatePath));

    [CfnLintFact]
    public async Task Cfn_lint_reports_nothing_for_the_template()
    {
        // cfn-lint runs the SAM transform first, then checks every resource against CloudFormation's own schemas
        // (the Pipe, the queues' policies, the functions SAM generates from Globals) and its best-practice rules.
        var result = await CfnLintAsync(_template.Path);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0 && string.IsNullOrWhiteSpace(result.Output), "cfn-lint reports:\n" + result);
    }

    public static TheoryData<string> LintBreakages => ["pipe InvocationType FIRE_AND_FORGOT", "Globals ReservedConcurrentExecutions \"many\""];

    [CfnLintTheory]
    [MemberData(nameof(LintBreakages))]
    public async Task Cfn_lint_reports_a_broken_copy_of_the_template(string change)
    {
        var copy = JsonNode.Parse(_template.Text)!.AsObject();
        string rule;
        if (change.StartsWith("pipe", StringComparison.Ordinal))
        {
            copy["Resources"]!["ReplayPipe"]!["Properties"]!["TargetParameters"]!["StepFunctionStateMachineParameters"]!["InvocationType"] = "FIRE_AND_FORGOT";
            rule = "E3030"; // allowed values
        }
        else
        {
            copy["Globals"]!["Function"]!["ReservedConcurrentExecutions"] = "many";
            rule = "E3012"; // type, found on each function SAM generates
        }
        using var scratch = new BuildScratch();
        var path = scratch.Sub("serverless.template");
        await File.WriteAllTextAsync(path, copy.ToJsonString());
        var result = await CfnLintAsync(path);
        output.WriteLine(result.ToString());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(rule, result.Output, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> SamTranslateAsync(string templatePath)
    {
        using var scratch = new BuildScratch();
        var script = scratch.Sub("translate.py");
        await File.WriteAllTextAsync(script, SamTranslator.Script);
        return await ArtifactCommand.RunAsync(SamTranslator.Python!, [script, templatePath], TimeSpan.FromMinutes(2));
    }

    [SamTranslatorFact]
    public async Task The_SAM_translator_expands_the_template()
    {
        // What CloudFormation's AWS::Serverless transform does at deploy: the schema test cannot see what only the
        // translator checks (a policy template's shape, an event source's properties, Globals merged into functions).
        var result = await SamTranslateAsync(_template.Path);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0 && !result.Output.Contains("ERROR", StringComparison.Ordinal), "the SAM translator reports:\n" + result);
        Assert.Matches(@"^\d+ resources$", result.Output.Trim());
    }

    [SamTranslatorFact]
    public async Task The_SAM_translator_reports_a_broken_copy_of_the_template()
    {
        var copy = JsonNode.Parse(_template.Text)!.AsObject();
        copy["Resources"]!["ParseEventFunction"]!["Properties"]!["Policies"] = new JsonArray(new JsonObject { ["NoSuchPolicyTemplate"] = new JsonObject() });
        using var scratch = new BuildScratch();
        var path = scratch.Sub("serverless.template");
        await File.WriteAllTextAsync(path, copy.ToJsonString());

        var result = await SamTranslateAsync(path);
        output.WriteLine(result.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ERROR Resource with id [ParseEventFunction] is invalid", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_SAM_policy_template_used_exists_and_gets_exactly_its_parameters()
    {
        var templates = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "schemas", "sam-policy-templates.json")))!["Templates"]!.AsObject();
        var checkedCount = 0;
        foreach (var id in _template.AllFunctionIds.Concat(_template.IdsOfType(TemplateDocument.StateMachineType)))
        {
            foreach (var policy in TemplateDocument.Policies(_template.PropertiesOf(id)))
            {
                if (policy is not JsonObject entry || entry.ContainsKey("Statement"))
                    continue; // a managed policy name or an inline document: checked by the least-privilege test
                var (name, value) = Assert.Single(entry);
                var known = templates[name]?.AsObject();
                Assert.True(known is not null, $"{id}: {name} is not a SAM policy template");
                var expected = known["Parameters"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
                var given = (value as JsonObject ?? []).Select(p => p.Key).Order(StringComparer.Ordinal);
                Assert.True(expected.SequenceEqual(given), $"{id}: {name} takes [{string.Join(", ", expected)}] but is given [{string.Join(", ", given)}]");
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 4, "expected the policy templates of the functions and the state machine");
    }

    [Fact]
    public void Every_ASL_substitution_is_defined_and_every_definition_substitution_is_used()
    {
        foreach (var id in _template.IdsOfType(TemplateDocument.StateMachineType))
        {
            var asl = File.ReadAllText(_template.AslPathOf(id));
            var used = Substitution().Matches(asl).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var defined = _template.PropertiesOf(id)["DefinitionSubstitutions"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            Assert.NotEmpty(used);
            Assert.True(used.IsSubsetOf(defined), $"{id}: used in the ASL but not in DefinitionSubstitutions: " + string.Join(", ", used.Except(defined)));
            Assert.True(defined.IsSubsetOf(used), $"{id}: in DefinitionSubstitutions but unused in the ASL: " + string.Join(", ", defined.Except(used)));
        }
    }

    [Fact]
    public void Each_step_has_one_name_across_state_function_substitution_environment_and_code()
    {
        var machines = _template.IdsOfType(TemplateDocument.StateMachineType)
            .Select(id => (Substitutions: _template.PropertiesOf(id)["DefinitionSubstitutions"]!.AsObject(), Asl: _template.LoadAsl(id))).ToList();
        var tasks = machines.SelectMany(m => TemplateDocument.LambdaTasks(m.Asl).Select(t => (t.Key, t.Value, m.Substitutions))).ToList();
        Assert.Equal(StepSettings.Steps.Length, tasks.Count);
        foreach (var (state, definition, substitutions) in tasks)
        {
            var step = TemplateDocument.StepName(state);
            var function = step + "Function";
            Assert.Equal($"${{{function}Arn}}", (string?)definition["Resource"]);
            TemplateDocument.AssertJson(TemplateDocument.GetAtt(function, "Arn"), substitutions[function + "Arn"], $"substitution {function}Arn");
            Assert.Equal(TemplateDocument.FunctionType, (string?)_template.Resource(function)["Type"]);
            Assert.Equal(step, (string?)_template.EnvironmentVariable(function, "S3AUDIT_STEP"));
            Assert.Contains(step, StepSettings.Steps);
        }
        var usedFunctions = tasks.Select(t => TemplateDocument.StepName(t.Key) + "Function").Order(StringComparer.Ordinal);
        Assert.Equal(usedFunctions, _template.AllFunctionIds.Order(StringComparer.Ordinal));
        // Globals must not pick a step for every function.
        Assert.Null(_template.FunctionGlobals["Environment"]?["Variables"]?["S3AUDIT_STEP"]);
    }

    [Fact]
    public void Table_key_schemas_match_the_Aws_project_and_tables_are_encrypted_and_on_demand()
    {
        AssertTable("ConfigTable", DynamoTables.ConfigTable("x"));
        AssertTable("DedupTable", DynamoTables.DedupTable("x"));

        var dedup = _template.PropertiesOf("DedupTable");
        Assert.Equal(DynamoTables.TtlAttribute, (string?)dedup["TimeToLiveSpecification"]?["AttributeName"]);
        Assert.True((bool?)dedup["TimeToLiveSpecification"]?["Enabled"], "TTL on the dedup table");
        Assert.True((bool?)_template.PropertiesOf("ConfigTable")["PointInTimeRecoverySpecification"]?["PointInTimeRecoveryEnabled"], "point-in-time recovery on the config table");
    }

    private void AssertTable(string id, Amazon.DynamoDBv2.Model.CreateTableRequest request)
    {
        var table = _template.Resource(id);
        Assert.Equal("AWS::DynamoDB::Table", (string?)table["Type"]);
        var properties = TemplateDocument.Properties(table);
        var keys = new JsonArray([.. request.KeySchema.Select(k => (JsonNode)new JsonObject { ["AttributeName"] = k.AttributeName, ["KeyType"] = k.KeyType.Value })]);
        TemplateDocument.AssertJson(keys, properties["KeySchema"], $"{id} KeySchema");
        var expectedAttributes = request.AttributeDefinitions.Select(a => $"{a.AttributeName}:{a.AttributeType.Value}").Order(StringComparer.Ordinal);
        var actualAttributes = properties["AttributeDefinitions"]!.AsArray().Select(a => $"{a!["AttributeName"]}:{a["AttributeType"]}").Order(StringComparer.Ordinal);
        Assert.Equal(expectedAttributes, actualAttributes);
        var expectedIndexes = (request.GlobalSecondaryIndexes ?? []).Select(i => new JsonObject
        {
            ["IndexName"] = i.IndexName,
            ["KeySchema"] = new JsonArray([.. i.KeySchema.Select(k => (JsonNode)new JsonObject { ["AttributeName"] = k.AttributeName, ["KeyType"] = k.KeyType.Value })]),
            ["Projection"] = new JsonObject { ["ProjectionType"] = i.Projection.ProjectionType.Value },
        });
        TemplateDocument.AssertJson(new JsonArray([.. expectedIndexes]), properties["GlobalSecondaryIndexes"] ?? new JsonArray(), $"{id} GlobalSecondaryIndexes");
        Assert.Equal("PAY_PER_REQUEST", request.BillingMode.Value);
        Assert.Equal(request.BillingMode.Value, (string?)properties["BillingMode"]);
        Assert.True((bool?)properties["SSESpecification"]?["SSEEnabled"], $"{id} SSE enabled");
    }

    [Fact]
    public void Functions_and_state_machine_get_least_privilege()
    {
        Assert.Null(_template.FunctionGlobals["Policies"]);
        Assert.Null(_template.FunctionGlobals["Role"]);
        foreach (var id in _template.FunctionIds.Append(_template.StateMachineId))
            Assert.Null(_template.PropertiesOf(id)["Role"]); // a given role would bypass the Policies checked here

        AssertPolicies("ParseEventFunction");
        AssertPolicies("CheckAllowlistFunction", Template("DynamoDBReadPolicy", "TableName", TemplateDocument.Ref("ConfigTable")));
        AssertPolicies("ClassifySensitivityFunction", Template("DynamoDBReadPolicy", "TableName", TemplateDocument.Ref("ConfigTable")));
        AssertPolicies("DeduplicateAlertFunction", Template("DynamoDBWritePolicy", "TableName", TemplateDocument.Ref("DedupTable")));
        // The table a step reads from its environment is the one its policy covers.
        TemplateDocument.AssertJson(TemplateDocument.Ref("ConfigTable"), _template.EnvironmentVariable("CheckAllowlistFunction", "S3AUDIT_CONFIG_TABLE"), "CheckAllowlist table");
        TemplateDocument.AssertJson(TemplateDocument.Ref("ConfigTable"), _template.EnvironmentVariable("ClassifySensitivityFunction", "S3AUDIT_CONFIG_TABLE"), "ClassifySensitivity table");
        TemplateDocument.AssertJson(TemplateDocument.Ref("DedupTable"), _template.EnvironmentVariable("DeduplicateAlertFunction", "S3AUDIT_DEDUP_TABLE"), "DeduplicateAlert table");
        TemplateDocument.AssertJson(TemplateDocument.Ref("BurstLimit"), _template.EnvironmentVariable("DeduplicateAlertFunction", "S3AUDIT_BURST_LIMIT"), "DeduplicateAlert burst limit");
        Assert.Equal(Core.Config.AuditConfig.DefaultBurstLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)_template.Parameters["BurstLimit"]?["Default"]);

        var machine = TemplateDocument.Policies(_template.StateMachineProperties);
        var templates = machine.Where(p => p is JsonObject o && !o.ContainsKey("Statement")).ToList();
        var invoked = templates.Where(p => p!.AsObject().ContainsKey("LambdaInvokePolicy"))
            .Select(p => p["LambdaInvokePolicy"]!["FunctionName"]!["Ref"]?.GetValue<string>() ?? TemplateDocument.Show(p["LambdaInvokePolicy"]))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(_template.FunctionIds.Order(StringComparer.Ordinal), invoked);
        var others = templates.Where(p => !p!.AsObject().ContainsKey("LambdaInvokePolicy")).ToList();
        Assert.Equal(2, others.Count);
        var publish = Assert.Single(others, p => p!.AsObject().ContainsKey("SNSPublishMessagePolicy"));
        TemplateDocument.AssertJson(Template("SNSPublishMessagePolicy", "TopicName", TemplateDocument.GetAtt("AlertTopic", "TopicName")), publish, "the state machine's SNS policy");
        var keep = Assert.Single(others, p => p!.AsObject().ContainsKey("SQSSendMessagePolicy"));
        TemplateDocument.AssertJson(Template("SQSSendMessagePolicy", "QueueName", TemplateDocument.GetAtt("ReplayQueue", "QueueName")), keep, "the state machine's SQS policy");
        Assert.DoesNotContain(machine, p => p is JsonValue); // no managed policies

        var statements = MachineStatements();
        Assert.Equal(3, statements.Count);
        Assert.All(statements, s => Assert.Equal("Allow", (string?)s["Effect"]));
        var kms = Assert.Single(statements, s => Actions(s).All(a => a.StartsWith("kms:", StringComparison.Ordinal)));
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("AlertKey", "Arn"), kms["Resource"], "the KMS statement's resource");
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey"], Actions(kms).Order(StringComparer.Ordinal));
        Assert.Single(statements, s => Actions(s).All(a => a.StartsWith("dynamodb:", StringComparison.Ordinal))); // see the failure-counter test
        var logs = Assert.Single(statements, s => Actions(s).All(a => a.StartsWith("logs:", StringComparison.Ordinal)));
        // Vended log delivery needs exactly these, on "*" (Step Functions logging documentation).
        string[] delivery = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery"];
        Assert.Equal(delivery, Actions(logs).Order(StringComparer.Ordinal));
        Assert.All(statements.SelectMany(Actions), action => Assert.False(action.Contains('*', StringComparison.Ordinal), $"wildcard action {action}"));

        void AssertPolicies(string functionId, params JsonNode[] expected) =>
            TemplateDocument.AssertJson(new JsonArray([.. expected]), new JsonArray([.. TemplateDocument.Policies(_template.PropertiesOf(functionId)).Select(p => p.DeepClone())]), $"{functionId} Policies");
    }

    /// <summary>The statements of the state machine's inline policy documents.</summary>
    private List<JsonObject> MachineStatements() =>
        [.. TemplateDocument.Policies(_template.StateMachineProperties).Where(p => p is JsonObject o && o.ContainsKey("Statement"))
            .SelectMany(p => p["Statement"] as JsonArray ?? [p["Statement"]]).Select(s => s!.AsObject())];

    private static JsonObject Template(string name, string parameter, JsonNode value) =>
        new() { [name] = new JsonObject { [parameter] = value.DeepClone() } };

    private static IEnumerable<string> Actions(JsonObject statement) => statement["Action"] switch
    {
        JsonArray list => list.Select(a => (string)a!),
        var single => [(string)single!],
    };

    [Fact]
    public void EventBridge_rules_forward_only_monitored_S3_data_events_with_retries_and_a_dead_letter_queue()
    {
        var events = _template.StateMachineProperties["Events"]!.AsObject();
        Assert.Equal(["S3ObjectRead", "S3ObjectCopyOut"], events.Select(e => e.Key));
        foreach (var (_, rule) in events)
        {
            Assert.Equal("EventBridgeRule", (string?)rule!["Type"]);
            var pattern = rule["Properties"]!["Pattern"]!.AsObject();
            TemplateDocument.AssertJson(new JsonArray("aws.s3"), pattern["source"], "source");
            TemplateDocument.AssertJson(new JsonArray("AWS API Call via CloudTrail"), pattern["detail-type"], "detail-type");
            TemplateDocument.AssertJson(new JsonArray("s3.amazonaws.com"), pattern["detail"]!["eventSource"], "detail.eventSource");
            var properties = rule["Properties"]!;
            TemplateDocument.AssertJson(TemplateDocument.GetAtt("EventDeadLetterQueue", "Arn"), properties["DeadLetterConfig"]?["Arn"], "DeadLetterConfig.Arn");
            Assert.True((int?)properties["RetryPolicy"]?["MaximumRetryAttempts"] > 0, "RetryPolicy.MaximumRetryAttempts");
            Assert.True((int?)properties["RetryPolicy"]?["MaximumEventAgeInSeconds"] > 0, "RetryPolicy.MaximumEventAgeInSeconds");
        }
        // Reads of the monitored buckets, pre-filtered on event name and bucket.
        var read = events["S3ObjectRead"]!["Properties"]!["Pattern"]!["detail"]!;
        TemplateDocument.AssertJson(TemplateDocument.Ref("MonitoredEvents"), read["eventName"], "read rule eventName");
        TemplateDocument.AssertJson(new JsonObject { ["bucketName"] = TemplateDocument.Ref("MonitoredBuckets") }, read["requestParameters"], "read rule requestParameters");
        // Copies name their destination in bucketName: copies out of a monitored bucket into any other bucket come
        // through this second rule, and Parse Event keeps those whose source bucket is monitored.
        var copy = events["S3ObjectCopyOut"]!["Properties"]!["Pattern"]!["detail"]!;
        TemplateDocument.AssertJson(new JsonArray("CopyObject", "UploadPartCopy"), _template.Evaluate(copy["eventName"], new Dictionary<string, string>()), "copy rule eventName");
        TemplateDocument.AssertJson(new JsonObject { ["bucketName"] = new JsonArray(new JsonObject { ["anything-but"] = TemplateDocument.Ref("MonitoredBuckets") }) },
            copy["requestParameters"], "copy rule requestParameters");
        TemplateDocument.AssertJson(new JsonObject { ["Fn::Join"] = new JsonArray(",", TemplateDocument.Ref("MonitoredBuckets")) },
            _template.PropertiesOf("ParseEventFunction")["Environment"]?["Variables"]?["S3AUDIT_MONITORED_BUCKETS"], "Parse Event's monitored buckets");
        Assert.Equal("CommaDelimitedList", (string?)_template.Parameters["MonitoredEvents"]?["Type"]);
        Assert.Equal("CommaDelimitedList", (string?)_template.Parameters["MonitoredBuckets"]?["Type"]);

        Assert.Equal("AWS::SQS::Queue", (string?)_template.Resource("EventDeadLetterQueue")["Type"]);
        // SAM does not grant EventBridge SendMessage on a DLQ given by Arn; the queue policy must, for both rules (SAM names them <StateMachine><Event>).
        var queuePolicy = Assert.Single(_template.IdsOfType("AWS::SQS::QueuePolicy"), id => _template.PropertiesOf(id)["Queues"]!.AsArray().Any(q => JsonNode.DeepEquals(q, TemplateDocument.Ref("EventDeadLetterQueue"))));
        var grant = Assert.Single(_template.PropertiesOf(queuePolicy)["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("events.amazonaws.com", (string?)grant["Principal"]?["Service"]);
        Assert.Equal("sqs:SendMessage", (string?)grant["Action"]);
        // Without a central bus (the default); with one, its two rules too (CentralBusTemplateTests).
        TemplateDocument.AssertJson(new JsonArray(events.Select(e => (JsonNode)TemplateDocument.GetAtt(_template.StateMachineId + e.Key, "Arn")).ToArray()),
            _template.Evaluate(grant["Condition"]?["ArnEquals"]?["aws:SourceArn"], new Dictionary<string, string>()), "the DLQ policy's source rules");
    }

    [Fact]
    public void State_machine_functions_topic_alarms_and_outputs_are_as_designed()
    {
        var machine = _template.StateMachineProperties;
        Assert.Equal("EXPRESS", (string?)machine["Type"]);
        var logging = machine["Logging"]!.AsObject();
        Assert.False((bool?)logging["IncludeExecutionData"] ?? true, "execution data (CloudTrail payloads) must not be logged");
        Assert.NotEqual("OFF", (string?)logging["Level"]);
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("StateMachineLogGroup", "Arn"), logging["Destinations"]?[0]?["CloudWatchLogsLogGroup"]?["LogGroupArn"], "log destination");

        Assert.Equal(4, _template.FunctionIds.Count);
        foreach (var id in _template.FunctionIds)
        {
            Assert.Equal("dotnet10", (string?)_template.EffectiveFunctionProperty(id, "Runtime"));
            Assert.Equal("S3AuditFlow.Functions", (string?)_template.EffectiveFunctionProperty(id, "Handler"));
            Assert.Equal("makefile", (string?)_template.Resource(id)["Metadata"]?["BuildMethod"]);
        }

        var topic = _template.Resource("AlertTopic");
        Assert.Equal("AWS::SNS::Topic", (string?)topic["Type"]);
        TemplateDocument.AssertJson(TemplateDocument.Ref("AlertKey"), TemplateDocument.Properties(topic)["KmsMasterKeyId"], "AlertTopic KmsMasterKeyId");
        Assert.True((bool?)_template.PropertiesOf("AlertKey")["EnableKeyRotation"], "key rotation");

        var alarms = _template.IdsOfType("AWS::CloudWatch::Alarm").Select(_template.PropertiesOf).ToList();
        var audit = alarms.Where(a => JsonNode.DeepEquals(a["Dimensions"]?[0]?["Value"], TemplateDocument.Ref(_template.StateMachineId))).ToList();
        var failed = Assert.Single(audit, a => (string?)a["MetricName"] == "ExecutionsFailed");
        Assert.Equal("AWS/States", (string?)failed["Namespace"]);
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), failed["Dimensions"]?[0]?["Value"], "ExecutionsFailed dimension");
        // A timed-out execution is neither caught nor counted as failed: it needs its own alarm.
        var timedOut = Assert.Single(audit, a => (string?)a["MetricName"] == "ExecutionsTimedOut");
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), timedOut["Dimensions"]?[0]?["Value"], "ExecutionsTimedOut dimension");
        var dlq = Assert.Single(alarms, a => (string?)a["Namespace"] == "AWS/SQS" && JsonNode.DeepEquals(a["Dimensions"]?[0]?["Value"], TemplateDocument.GetAtt("EventDeadLetterQueue", "QueueName")));
        Assert.Equal("ApproximateNumberOfMessagesVisible", (string?)dlq["MetricName"]);
        foreach (var alarm in new[] { failed, timedOut, dlq })
            Assert.Contains(alarm["AlarmActions"]!.AsArray(), action => JsonNode.DeepEquals(action, TemplateDocument.Ref("AlertTopic")));

        foreach (var name in new[] { "AlertTopicArn", "ConfigTableName", "DedupTableName", "StateMachineArn", "DeadLetterQueueUrl", "ReplayQueueUrl", "RedriveQueueUrl", "ReplayQueueArn" })
            Assert.True(_template.Outputs.ContainsKey(name), $"output {name}");
        TemplateDocument.AssertJson(TemplateDocument.Ref("AlertTopic"), _template.Outputs["AlertTopicArn"]!["Value"], "AlertTopicArn");
        TemplateDocument.AssertJson(TemplateDocument.Ref("ConfigTable"), _template.Outputs["ConfigTableName"]!["Value"], "ConfigTableName");
        TemplateDocument.AssertJson(TemplateDocument.Ref("DedupTable"), _template.Outputs["DedupTableName"]!["Value"], "DedupTableName");
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), _template.Outputs["StateMachineArn"]!["Value"], "StateMachineArn");
        TemplateDocument.AssertJson(TemplateDocument.Ref("EventDeadLetterQueue"), _template.Outputs["DeadLetterQueueUrl"]!["Value"], "DeadLetterQueueUrl");
        // What `s3audit replay --replay-queue … --redrive-queue …` and the console's DLQ redrive need.
        TemplateDocument.AssertJson(TemplateDocument.Ref("ReplayQueue"), _template.Outputs["ReplayQueueUrl"]!["Value"], "ReplayQueueUrl");
        TemplateDocument.AssertJson(TemplateDocument.Ref("RedriveQueue"), _template.Outputs["RedriveQueueUrl"]!["Value"], "RedriveQueueUrl");
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ReplayQueue", "Arn"), _template.Outputs["ReplayQueueArn"]!["Value"], "ReplayQueueArn");
    }

    [Fact]
    public void Only_the_state_machine_and_CloudWatch_alarms_may_publish_to_the_alert_topic_and_only_over_TLS()
    {
        var policyId = Assert.Single(_template.IdsOfType("AWS::SNS::TopicPolicy"));
        var properties = _template.PropertiesOf(policyId);
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.Ref("AlertTopic")), properties["Topics"], "the topic policy's topics");
        var statements = properties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.All(statements, s => Assert.Equal(["sns:Publish"], Actions(s)));
        Assert.All(statements, s => TemplateDocument.AssertJson(TemplateDocument.Ref("AlertTopic"), s["Resource"], $"{s["Sid"]} Resource"));
        // SAM names the state machine's generated role <StateMachine>Role.
        var role = TemplateDocument.GetAtt(_template.StateMachineId + "Role", "Arn");

        var allows = statements.Where(s => (string?)s["Effect"] == "Allow").ToList();
        Assert.Equal(2, allows.Count);
        var machine = Assert.Single(allows, s => s["Principal"]?["AWS"] is not null);
        TemplateDocument.AssertJson(role, machine["Principal"]!["AWS"], "the state machine's publish grant");
        Assert.Null(machine["Condition"]);
        var alarms = Assert.Single(allows, s => s["Principal"]?["Service"] is not null);
        Assert.Equal("cloudwatch.amazonaws.com", (string?)alarms["Principal"]!["Service"]);
        // A service principal without a source condition would let other accounts' alarms publish (confused deputy).
        TemplateDocument.AssertJson(new JsonObject { ["StringEquals"] = new JsonObject { ["aws:SourceAccount"] = TemplateDocument.Ref("AWS::AccountId") } },
            alarms["Condition"], "the alarms' publish grant");

        var denies = statements.Where(s => (string?)s["Effect"] == "Deny").ToList();
        Assert.Equal(2, denies.Count);
        Assert.All(denies, s => Assert.Equal("*", (string?)s["Principal"]));
        // Same-account identity policies grant sns:Publish without the topic policy: only a deny keeps other principals out.
        var others = Assert.Single(denies, s => s["Condition"]?["ArnNotEquals"] is not null);
        TemplateDocument.AssertJson(new JsonObject
        {
            ["ArnNotEquals"] = new JsonObject
            {
                ["aws:PrincipalArn"] = new JsonArray(role.DeepClone(), new JsonObject
                {
                    ["Fn::If"] = new JsonArray("PreFiltersOn", TemplateDocument.GetAtt(TemplateDocument.SyncStateMachineId + "Role", "Arn"), TemplateDocument.Ref("AWS::NoValue")),
                }),
            },
            ["BoolIfExists"] = new JsonObject { ["aws:PrincipalIsAWSService"] = "false" },
        }, others["Condition"], "the deny of other publishers");
        var tls = Assert.Single(denies, s => s != others);
        TemplateDocument.AssertJson(new JsonObject { ["Bool"] = new JsonObject { ["aws:SecureTransport"] = "false" } }, tls["Condition"], "the deny of non-TLS publishes");
    }

    [Fact]
    public void Every_function_and_the_state_machine_log_to_groups_that_expire_after_the_retention_parameter()
    {
        // The functions' logs name principals, source IPs and objects: without a group of its own, Lambda creates
        // /aws/lambda/<function> on first use and keeps it forever.
        var retention = _template.Parameters["LogRetentionDays"]!.AsObject();
        Assert.Equal("Number", (string?)retention["Type"]);
        Assert.Equal(90, (int?)retention["Default"]);
        // The values AWS::Logs::LogGroup RetentionInDays accepts; anything else fails the deploy half-way.
        int[] accepted = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
        Assert.Equal(accepted, retention["AllowedValues"]!.AsArray().Select(v => (int)v!));

        var groups = _template.IdsOfType("AWS::Logs::LogGroup").Select(_template.PropertiesOf).ToList();
        foreach (var id in _template.AllFunctionIds)
        {
            var group = Assert.Single(groups, g => JsonNode.DeepEquals(g["LogGroupName"], new JsonObject { ["Fn::Sub"] = $"/aws/lambda/${{{id}}}" }));
            TemplateDocument.AssertJson(TemplateDocument.Ref("LogRetentionDays"), group["RetentionInDays"], $"{id} log retention");
            // A LoggingConfig pointing elsewhere would leave this group empty and the real one unbounded.
            Assert.Null(_template.EffectiveFunctionProperty(id, "LoggingConfig"));
        }
        TemplateDocument.AssertJson(TemplateDocument.Ref("LogRetentionDays"), _template.PropertiesOf("StateMachineLogGroup")["RetentionInDays"], "state machine log retention");
        TemplateDocument.AssertJson(TemplateDocument.Ref("LogRetentionDays"), _template.PropertiesOf("SyncFiltersStateMachineLogGroup")["RetentionInDays"], "sync state machine log retention");
        Assert.Equal(_template.AllFunctionIds.Count + 2, groups.Count);
    }

    [Fact]
    public void Deleting_or_replacing_the_stack_keeps_the_config_table()
    {
        // The allowlists and rules are the operators' work, not derived data: a deleted stack must not take them along.
        var table = _template.Resource("ConfigTable");
        Assert.Equal("Retain", (string?)table["DeletionPolicy"]);
        Assert.Equal("Retain", (string?)table["UpdateReplacePolicy"]);
        Assert.True((bool?)TemplateDocument.Properties(table)["DeletionProtectionEnabled"], "deletion protection on the config table");
    }

    public static TheoryData<string, string[]> CopyRuleEvents => new()
    {
        { "GetObject,CopyObject,UploadPartCopy,SelectObjectContent,GetObjectTorrent", ["CopyObject", "UploadPartCopy"] },
        { "GetObject,CopyObject", ["CopyObject"] },
        { "UploadPartCopy", ["UploadPartCopy"] },
        { "CopyObjectX,GetObject", [] },
        { "GetObject", [] },
    };

    [Theory]
    [MemberData(nameof(CopyRuleEvents))]
    public void The_copy_out_rule_forwards_only_the_copy_events_that_are_monitored(string monitoredEvents, string[] forwarded)
    {
        var parameters = new Dictionary<string, string> { ["MonitoredEvents"] = monitoredEvents };
        var pattern = _template.StateMachineProperties["Events"]!["S3ObjectCopyOut"]!["Properties"]!["Pattern"]!;

        var names = _template.Evaluate(pattern["detail"]!["eventName"], parameters)!.AsArray().Select(n => (string)n!).ToList();

        if (forwarded.Length > 0)
        {
            Assert.Equal(forwarded, names);
            return;
        }
        // No copy event monitored: the rule stays (SAM cannot make one event conditional) but matches no S3 eventName.
        var name = Assert.Single(names);
        Assert.DoesNotMatch(@"^[A-Za-z]+$", name);
    }

    public static TheoryData<string, bool> BurstLimits => new()
    {
        { "0", true }, { "10", true }, { "250", true }, { "5.0", false }, { "-1", false }, { "1e3", false }, { " 5", false }, { "", false }, { "9999999999", false },
    };

    [Theory]
    [MemberData(nameof(BurstLimits))]
    public void BurstLimit_takes_only_whole_numbers_at_deploy_time(string value, bool accepted)
    {
        // The dedup step parses it as an int at init: anything else would fail every execution, not the deploy.
        var parameter = _template.Parameters["BurstLimit"]!.AsObject();
        Assert.Equal("String", (string?)parameter["Type"]);
        var pattern = (string)parameter["AllowedPattern"]!;

        // CloudFormation matches AllowedPattern against the whole value.
        Assert.Equal(accepted, Regex.IsMatch(value, $"^(?:{pattern})$"));
        Assert.Equal(accepted, int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.NotNull(parameter["ConstraintDescription"]);
    }

    [Theory]
    [InlineData("MonitoredBuckets", "cg-cardholder-data-bucket", true)]
    [InlineData("MonitoredBuckets", "payments,hr-data", true)]
    [InlineData("MonitoredBuckets", "", false)]
    [InlineData("MonitoredBuckets", "payments,", false)]
    [InlineData("MonitoredEvents", "GetObject", true)]
    [InlineData("MonitoredEvents", "", false)]
    public void Rules_refuse_an_empty_bucket_or_event_list_at_deploy_time(string parameter, string value, bool accepted)
    {
        var parameters = new Dictionary<string, string> { ["MonitoredBuckets"] = "payments", [parameter] = value };
        var rules = _template.Root["Rules"]!.AsObject();
        var assertions = rules.SelectMany(r => r.Value!["Assertions"]!.AsArray()).Select(a => a!.AsObject()).ToList();
        Assert.All(assertions, a => Assert.False(string.IsNullOrWhiteSpace((string?)a["AssertDescription"])));
        var mentioning = assertions.Where(a => a["Assert"]!.ToJsonString().Contains($"\"{parameter}\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(mentioning);

        Assert.Equal(accepted, mentioning.All(a => (bool)_template.Evaluate(a["Assert"], parameters)!));
    }

    private const int FourteenDays = 14 * 24 * 3600;

    [Fact]
    public void Replay_queue_is_encrypted_keeps_messages_14_days_and_takes_dead_letters_only_from_the_redrive_queue()
    {
        var replay = _template.Resource("ReplayQueue");
        Assert.Equal("AWS::SQS::Queue", (string?)replay["Type"]);
        var properties = TemplateDocument.Properties(replay);
        Assert.True((bool?)properties["SqsManagedSseEnabled"], "ReplayQueue SSE");
        Assert.Equal(FourteenDays, (int?)properties["MessageRetentionPeriod"]);
        // s3audit replay receives, sends on and deletes one message at a time: a minute of invisibility is plenty.
        Assert.InRange((int?)properties["VisibilityTimeout"] ?? 30, 30, 300);

        // byQueue, naming only the redrive queue. The ARN is spelled out from the redrive queue's fixed name:
        // GetAtt would make the two queues depend on each other (the redrive queue's RedrivePolicy names this one).
        var allow = properties["RedriveAllowPolicy"]!.AsObject();
        Assert.Equal("byQueue", (string?)allow["redrivePermission"]);
        var source = Assert.Single(allow["sourceQueueArnList"]!.AsArray())!;
        var arn = (string?)source["Fn::Sub"] ?? throw new Xunit.Sdk.XunitException("sourceQueueArnList[0] is not an Fn::Sub ARN: " + TemplateDocument.Show(source));
        var redriveName = (string?)_template.PropertiesOf("RedriveQueue")["QueueName"]?["Fn::Sub"] ?? throw new Xunit.Sdk.XunitException("RedriveQueue has no Fn::Sub QueueName");
        Assert.Equal("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + redriveName, arn);
        Assert.Contains("${AWS::StackName}", redriveName, StringComparison.Ordinal); // one stack per region: unique per account and region
    }

    [Fact]
    public void Redrive_queue_returns_what_the_pipe_cannot_deliver_to_the_replay_queue()
    {
        var redrive = _template.Resource("RedriveQueue");
        Assert.Equal("AWS::SQS::Queue", (string?)redrive["Type"]);
        var properties = TemplateDocument.Properties(redrive);
        Assert.True((bool?)properties["SqsManagedSseEnabled"], "RedriveQueue SSE");
        Assert.Equal(FourteenDays, (int?)properties["MessageRetentionPeriod"]);
        var policy = properties["RedrivePolicy"]!.AsObject();
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ReplayQueue", "Arn"), policy["deadLetterTargetArn"], "RedriveQueue deadLetterTargetArn");
        // Pipes retries a failed StartExecution until the source queue's maxReceiveCount, a visibility timeout apart.
        Assert.InRange((int?)policy["maxReceiveCount"] ?? 0, 3, 10);
        Assert.True((int?)properties["VisibilityTimeout"] >= 30, "the pipe's StartExecution and its retries fit in the visibility timeout");
        // A dead letter keeps its first enqueue time: the replay queue must keep messages at least as long.
        Assert.True((int?)_template.PropertiesOf("ReplayQueue")["MessageRetentionPeriod"] >= (int?)properties["MessageRetentionPeriod"], "replay retention >= redrive retention");
    }

    [Fact]
    public void Replay_pipe_starts_one_execution_per_redriven_message_with_its_body_as_input()
    {
        var pipe = _template.Resource("ReplayPipe");
        Assert.Equal("AWS::Pipes::Pipe", (string?)pipe["Type"]);
        var properties = TemplateDocument.Properties(pipe);
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("RedriveQueue", "Arn"), properties["Source"], "pipe Source");
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), properties["Target"], "pipe Target"); // Ref of a state machine is its ARN
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ReplayPipeRole", "Arn"), properties["RoleArn"], "pipe RoleArn");
        // One message per batch: a batch would reach the target as one array, not one event.
        TemplateDocument.AssertJson(new JsonObject { ["SqsQueueParameters"] = new JsonObject { ["BatchSize"] = 1 } }, properties["SourceParameters"], "pipe SourceParameters");
        var target = properties["TargetParameters"]!.AsObject();
        // Pipes parses a JSON body: the input is the kept event or kept notifications themselves, as the ASL's first Choice expects.
        Assert.Equal("<$.body>", (string?)target["InputTemplate"]);
        // Express: StartExecution, asynchronous; a failed execution is kept again by the machine itself.
        Assert.Equal("FIRE_AND_FORGET", (string?)target["StepFunctionStateMachineParameters"]?["InvocationType"]);
        Assert.Null(properties["FilterCriteria"]); // every redriven message is replayed
        Assert.Null(properties["Enrichment"]);
    }

    [Fact]
    public void Replay_pipe_role_may_only_read_the_redrive_queue_and_start_the_state_machine()
    {
        var role = _template.Resource("ReplayPipeRole");
        Assert.Equal("AWS::IAM::Role", (string?)role["Type"]);
        var properties = TemplateDocument.Properties(role);
        var trust = Assert.Single(properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Allow", (string?)trust["Effect"]);
        Assert.Equal("pipes.amazonaws.com", (string?)trust["Principal"]?["Service"]);
        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        // Confused deputy: only pipes of this account may assume it.
        TemplateDocument.AssertJson(TemplateDocument.Ref("AWS::AccountId"), trust["Condition"]?["StringEquals"]?["aws:SourceAccount"], "trust aws:SourceAccount");
        Assert.Null(properties["ManagedPolicyArns"]);
        Assert.Null(properties["PermissionsBoundary"]);

        var statements = properties["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!.AsObject()).ToList();
        Assert.All(statements, s => Assert.Equal("Allow", (string?)s["Effect"]));
        Assert.All(statements, s => Assert.Null(s["Condition"]));
        var granted = statements.SelectMany(s => Actions(s).SelectMany(a => Resources(s).Select(r => $"{a} on {r.ToJsonString()}")))
            .Order(StringComparer.Ordinal).ToList();
        var queue = TemplateDocument.GetAtt("RedriveQueue", "Arn").ToJsonString();
        var machine = TemplateDocument.Ref(_template.StateMachineId).ToJsonString();
        string[] expected =
        [
            $"sqs:DeleteMessage on {queue}",
            $"sqs:GetQueueAttributes on {queue}",
            $"sqs:ReceiveMessage on {queue}",
            $"states:StartExecution on {machine}",
        ];
        Assert.Equal(expected, granted);
    }

    private static IEnumerable<JsonNode> Resources(JsonObject statement) => statement["Resource"] switch
    {
        JsonArray list => list.Select(r => r!),
        var single => [single!],
    };

    [Fact]
    public void State_machine_may_only_update_its_failure_counter_item_and_send_to_the_replay_queue()
    {
        var substitutions = _template.StateMachineProperties["DefinitionSubstitutions"]!.AsObject();
        TemplateDocument.AssertJson(TemplateDocument.Ref("ReplayQueue"), substitutions["ReplayQueueUrl"], "substitution ReplayQueueUrl");
        TemplateDocument.AssertJson(TemplateDocument.Ref("DedupTable"), substitutions["DedupTableName"], "substitution DedupTableName");

        var dynamo = Assert.Single(MachineStatements(), s => Actions(s).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)));
        Assert.Equal("Allow", (string?)dynamo["Effect"]);
        Assert.Equal(["dynamodb:UpdateItem"], Actions(dynamo));
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("DedupTable", "Arn"), dynamo["Resource"], "the DynamoDB statement's resource");
        // The dedup table's other items are the functions' alerts: the machine may touch only its counter.
        TemplateDocument.AssertJson(new JsonObject { ["ForAllValues:StringEquals"] = new JsonObject { ["dynamodb:LeadingKeys"] = new JsonArray(AslTests.FailureNoticeKey) } },
            dynamo["Condition"], "the DynamoDB statement's condition");
        // ... and the counter the ASL updates is that item of that table.
        var count = _template.LoadAsl()["States"]!["Count Failure"]!["Parameters"]!;
        Assert.Equal("${DedupTableName}", (string?)count["TableName"]);
        Assert.Equal(AslTests.FailureNoticeKey, (string?)count["Key"]?["id"]?["S"]);
        Assert.Equal("id", Assert.Single(_template.PropertiesOf("DedupTable")["KeySchema"]!.AsArray())!["AttributeName"]!.GetValue<string>());
    }

    [Fact]
    public void Replay_queue_alarm_mails_how_many_messages_wait()
    {
        var alarm = _template.Resource("ReplayQueueAlarm");
        Assert.Equal("AWS::CloudWatch::Alarm", (string?)alarm["Type"]);
        var properties = TemplateDocument.Properties(alarm);
        Assert.Equal("AWS/SQS", (string?)properties["Namespace"]);
        Assert.Equal("ApproximateNumberOfMessagesVisible", (string?)properties["MetricName"]);
        var dimension = Assert.Single(properties["Dimensions"]!.AsArray())!;
        Assert.Equal("QueueName", (string?)dimension["Name"]);
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ReplayQueue", "QueueName"), dimension["Value"], "replay alarm dimension");
        Assert.Equal("Maximum", (string?)properties["Statistic"]);
        Assert.Equal(60, (int?)properties["Period"]);
        Assert.Equal(0, (int?)properties["Threshold"]);
        Assert.Equal("GreaterThanThreshold", (string?)properties["ComparisonOperator"]);
        Assert.Equal("notBreaching", (string?)properties["TreatMissingData"]);
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.Ref("AlertTopic")), properties["AlarmActions"], "replay alarm actions");
        Assert.Contains("s3audit replay", (string?)properties["AlarmDescription"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_stalled_replay_pipe_raises_an_alarm_before_replayed_messages_can_expire_unseen()
    {
        var properties = TemplateDocument.Properties(_template.Resource("RedriveStalledAlarm"));
        Assert.Equal("ApproximateAgeOfOldestMessage", (string?)properties["MetricName"]);
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("RedriveQueue", "QueueName"), Assert.Single(properties["Dimensions"]!.AsArray())!["Value"], "redrive alarm dimension");
        Assert.Equal("GreaterThanThreshold", (string?)properties["ComparisonOperator"]);
        // The pipe takes a message within seconds; a quarter of an hour means it is not taking them at all.
        Assert.InRange((int?)properties["Threshold"] ?? 0, 60, 3600);
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.Ref("AlertTopic")), properties["AlarmActions"], "redrive alarm actions");
    }

    [Fact]
    public void Default_monitored_events_equal_the_engine_defaults()
    {
        var text = (string?)_template.Parameters["MonitoredEvents"]?["Default"] ?? throw new Xunit.Sdk.XunitException("MonitoredEvents has no Default");
        Assert.Equal(AuditConfig.DefaultMonitoredEvents, text.Split(',', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void Harvest_thresholds_reach_the_dedup_step_and_default_to_the_engine_thresholds()
    {
        var parameter = _template.Parameters["HarvestThresholds"]!.AsObject();
        Assert.Equal("CommaDelimitedList", (string?)parameter["Type"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)parameter["Description"]), "HarvestThresholds Description");
        var text = (string?)parameter["Default"] ?? throw new Xunit.Sdk.XunitException("HarvestThresholds has no Default");
        Assert.Equal(HarvestPolicy.DefaultThresholds, HarvestPolicy.Parse(text).Thresholds);
        TemplateDocument.AssertJson(new JsonObject { ["Fn::Join"] = new JsonArray(",", TemplateDocument.Ref("HarvestThresholds")) },
            _template.EnvironmentVariable("DeduplicateAlertFunction", "S3AUDIT_HARVEST_THRESHOLDS"), "DeduplicateAlert harvest thresholds");
        // Only the step that counts bursts reads them.
        foreach (var id in _template.FunctionIds.Where(id => id != "DeduplicateAlertFunction"))
            Assert.Null(_template.EnvironmentVariable(id, "S3AUDIT_HARVEST_THRESHOLDS"));
    }

    [Fact]
    public void Reserved_concurrency_reaches_all_four_functions_and_0_leaves_them_unreserved()
    {
        var parameter = _template.Parameters["ReservedConcurrency"]!.AsObject();
        Assert.Equal("Number", (string?)parameter["Type"]);
        Assert.Equal(100, (int?)parameter["Default"]);
        Assert.Equal(0, (int?)parameter["MinValue"]);
        // The arithmetic behind the default, for whoever changes it.
        var description = (string?)parameter["Description"] ?? "";
        foreach (var figure in new[] { "3,500 GET/s", "25 ms", "88", "400", "1,000", "0: unreserved" })
            Assert.Contains(figure, description, StringComparison.Ordinal);

        TemplateDocument.AssertJson(new JsonObject { ["Fn::Not"] = new JsonArray(new JsonObject { ["Fn::Equals"] = new JsonArray(TemplateDocument.Ref("ReservedConcurrency"), "0") }) },
            _template.Root["Conditions"]?["HasReservedConcurrency"], "HasReservedConcurrency");
        var reserved = new JsonObject { ["Fn::If"] = new JsonArray("HasReservedConcurrency", TemplateDocument.Ref("ReservedConcurrency"), TemplateDocument.Ref("AWS::NoValue")) };
        Assert.Equal(4, _template.FunctionIds.Count);
        foreach (var id in _template.FunctionIds)
            TemplateDocument.AssertJson(reserved, _template.EffectiveFunctionProperty(id, "ReservedConcurrentExecutions"), $"{id} ReservedConcurrentExecutions");
    }

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex Substitution();
}
