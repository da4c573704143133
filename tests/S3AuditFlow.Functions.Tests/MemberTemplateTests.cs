using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Tests.Filters;
using S3AuditFlow.TestSupport;
using Xunit.Abstractions;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// member.template, what each member account of an organization-wide deployment gets: rules on its default bus
/// that forward what the central stack's rules would route, a role that may only put events on the central bus, a
/// dead-letter queue and alarms, and optionally its own data-event trail.
/// </summary>
public sealed class MemberTemplateTests(ITestOutputHelper output)
{
    private const string CentralBus = "arn:aws:events:eu-west-1:111122223333:event-bus/s3audit-central";
    private readonly TemplateDocument _member = TemplateDocument.Load(TemplateDocument.MemberTemplatePath);
    private readonly TemplateDocument _central = TemplateDocument.Load();

    private static readonly string[] Rules = ["S3ObjectRead", "S3ObjectCopyOut"];

    [Fact]
    public async Task The_member_template_is_valid_against_the_official_SAM_schema_and_needs_no_packaging()
    {
        var errors = await TemplateTests.SchemaErrorsAsync(_member.Text);
        foreach (var line in errors)
            output.WriteLine(line);
        Assert.True(errors.Count == 0, "sam.schema.json rejects member.template:\n" + string.Join('\n', errors));
        // Plain CloudFormation with no code: a StackSet takes it as it is, no `sam build` or `package` step.
        Assert.Null(_member.Root["Transform"]);
        Assert.DoesNotContain("CodeUri", _member.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("DefinitionUri", _member.Text, StringComparison.Ordinal);
        Assert.All(_member.Resources, r => Assert.StartsWith("AWS::", (string?)r.Value!["Type"], StringComparison.Ordinal));
        Assert.DoesNotContain(_member.Resources, r => ((string?)r.Value!["Type"])!.StartsWith("AWS::Serverless::", StringComparison.Ordinal));
    }

    [CfnLintFact]
    public async Task Cfn_lint_reports_nothing_for_the_member_template()
    {
        var result = await TemplateTests.CfnLintAsync(_member.Path);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0 && string.IsNullOrWhiteSpace(result.Output), "cfn-lint reports:\n" + result);
    }

    [CfnLintFact]
    public async Task Cfn_lint_reports_a_broken_copy_of_the_member_template()
    {
        var copy = JsonNode.Parse(_member.Text)!.AsObject();
        copy["Resources"]!["S3ObjectRead"]!["Properties"]!["Targets"]![0]!["RetryPolicy"]!["MaximumRetryAttempts"] = "ten";
        using var scratch = new BuildScratch();
        var path = scratch.Sub("member.template");
        await File.WriteAllTextAsync(path, copy.ToJsonString());

        var result = await TemplateTests.CfnLintAsync(path);
        output.WriteLine(result.ToString());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("E3012", result.Output, StringComparison.Ordinal); // type
    }

    [Fact]
    public void The_member_rules_forward_exactly_what_the_central_rules_route()
    {
        // JSON templates cannot share a pattern: the member's copies must stay equal to the central stack's, as must
        // everything they are computed from.
        foreach (var rule in Rules)
        {
            var central = _central.StateMachineProperties["Events"]![rule]!["Properties"]!;
            TemplateDocument.AssertJson(central["Pattern"], _member.PropertiesOf(rule)["EventPattern"], $"{rule} EventPattern");
            TemplateDocument.AssertJson(central["RetryPolicy"], Target(rule)["RetryPolicy"], $"{rule} RetryPolicy");
        }
        foreach (var condition in new[] { "CopyObjectMonitored", "UploadPartCopyMonitored", "InChinaPartition", "InGovCloudPartition", "ShouldCreateTrail" })
            TemplateDocument.AssertJson(_central.Root["Conditions"]![condition], _member.Root["Conditions"]![condition], $"condition {condition}");
        TemplateDocument.AssertJson(_central.Root["Rules"], _member.Root["Rules"], "parameter Rules");
        foreach (var parameter in new[] { "MonitoredEvents", "MonitoredBuckets" })
        {
            Assert.Equal((string?)_central.Parameters[parameter]!["Type"], (string?)_member.Parameters[parameter]!["Type"]);
            Assert.Equal((string?)_central.Parameters[parameter]!["Default"], (string?)_member.Parameters[parameter]!["Default"]);
        }
        // On the default bus, where CloudTrail delivers this account's events.
        Assert.All(Rules, rule => Assert.Null(_member.PropertiesOf(rule)["EventBusName"]));
    }

    /// <summary>
    /// Every on-disk CloudTrail record that parses (the hand-written fixtures and the public real-world samples under
    /// public/), as EventBridge delivers it in the account it was logged in.
    /// </summary>
    private static List<(string Name, JsonObject Event)> FixtureEvents()
    {
        var events = new List<(string, JsonObject)>();
        var root = Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail");
        foreach (var path in Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            List<JsonObject> details;
            try
            {
                var node = JsonNode.Parse(File.ReadAllBytes(path));
                details = node is not JsonObject top ? []
                    : top["detail"] is JsonObject wrapped ? [wrapped]
                    : top["Records"] is JsonArray records ? [.. records.OfType<JsonObject>()]
                    : [top];
                details.ForEach(d => d.ToJsonString());
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                continue; // the invalid-UTF-8 and lone-surrogate reproducers: EventBridge never delivers them either
            }
            var name = Path.GetRelativePath(root, path);
            for (var i = 0; i < details.Count; i++)
            {
                var record = CloudTrailRecords.EventBridge(details[i].DeepClone().AsObject());
                record["account"] = (string?)details[i]["recipientAccountId"] ?? "444455556666";
                events.Add((details.Count == 1 ? name : $"{name}#{i}", record));
            }
        }
        return events;
    }

    [Theory]
    [InlineData("GetObject,CopyObject,UploadPartCopy,SelectObjectContent,GetObjectTorrent")]
    [InlineData("GetObject,UploadPartCopy")]
    public void On_the_real_CloudTrail_samples_a_member_rule_matches_what_its_central_rule_matches(string monitoredEvents)
    {
        var parameters = new Dictionary<string, string> { ["MonitoredBuckets"] = "acme-finance-exports", ["MonitoredEvents"] = monitoredEvents };
        var fixtures = FixtureEvents();
        Assert.True(fixtures.Count >= 25, $"only {fixtures.Count} fixtures parsed");
        foreach (var rule in Rules)
        {
            var central = _central.Evaluate(_central.StateMachineProperties["Events"]![rule]!["Properties"]!["Pattern"], parameters)!;
            var bus = _central.Evaluate(_central.PropertiesOf("CentralBus" + rule)["EventPattern"], parameters)!;
            var member = _member.Evaluate(_member.PropertiesOf(rule)["EventPattern"], parameters)!;
            var matched = new List<string>();
            foreach (var (name, @event) in fixtures)
            {
                var inCentral = EventPatternMatcher.Matches(central, @event);
                Assert.True(inCentral == EventPatternMatcher.Matches(member, @event), $"{rule} on {name}: central {inCentral}, member differs");
                // Forwarded, the event keeps its envelope (account included) and detail: the central bus's rule
                // routes it as the central default bus's rule routes a local one.
                Assert.True(inCentral == EventPatternMatcher.Matches(bus, @event.DeepClone()), $"{rule} on {name}: the bus rule differs");
                if (inCentral)
                    matched.Add(name);
            }
            output.WriteLine($"{monitoredEvents} {rule}: {matched.Count} of {fixtures.Count} match: {string.Join(", ", matched)}");
            // The comparison means something only if both verdicts occur.
            Assert.NotEmpty(matched);
            Assert.NotEqual(fixtures.Count, matched.Count);
        }
        var read = _member.Evaluate(_member.PropertiesOf("S3ObjectRead")["EventPattern"], parameters)!;
        Assert.True(EventPatternMatcher.Matches(read, Fixture(fixtures, "record-GetObject-iamuser.json")));
        Assert.False(EventPatternMatcher.Matches(read, Fixture(fixtures, "record-PutBucketPolicy-management.json")));
        var copyOut = _member.Evaluate(_member.PropertiesOf("S3ObjectCopyOut")["EventPattern"], parameters)!;
        Assert.Equal(monitoredEvents.Contains("CopyObject", StringComparison.Ordinal), EventPatternMatcher.Matches(copyOut, Fixture(fixtures, "record-CopyObject-access-point-source.json")));
        Assert.True(EventPatternMatcher.Matches(copyOut, Fixture(fixtures, "record-UploadPartCopy-encoded-copy-source.json")));
    }

    private static JsonObject Fixture(List<(string Name, JsonObject Event)> fixtures, string name) => Assert.Single(fixtures, f => f.Name == name).Event;

    private JsonObject Target(string rule) => Assert.Single(_member.PropertiesOf(rule)["Targets"]!.AsArray())!.AsObject();

    [Fact]
    public void Each_rule_forwards_to_the_central_bus_with_the_forwarding_role_and_keeps_what_it_cannot_deliver()
    {
        foreach (var rule in Rules)
        {
            var target = Target(rule);
            TemplateDocument.AssertJson(TemplateDocument.Ref("CentralEventBusArn"), target["Arn"], $"{rule} target");
            // Cross-account and cross-region bus targets need a role; the rule's own account is the one EventBridge bills.
            TemplateDocument.AssertJson(TemplateDocument.GetAtt("ForwardingRole", "Arn"), target["RoleArn"], $"{rule} RoleArn");
            TemplateDocument.AssertJson(TemplateDocument.GetAtt("ForwardDeadLetterQueue", "Arn"), target["DeadLetterConfig"]?["Arn"], $"{rule} DeadLetterConfig");
            Assert.Null(target["Input"]);
            Assert.Null(target["InputPath"]);
            Assert.Null(target["InputTransformer"]); // the event goes on as it is: Parse Event reads the same envelope
            Assert.Equal("ENABLED", (string?)_member.PropertiesOf(rule)["State"]);
        }
        var queue = _member.PropertiesOf("ForwardDeadLetterQueue");
        Assert.True((bool?)queue["SqsManagedSseEnabled"], "dead-letter queue SSE");
        Assert.Equal(14 * 24 * 3600, (int?)queue["MessageRetentionPeriod"]);
        var grant = Assert.Single(_member.PropertiesOf("ForwardDeadLetterQueuePolicy")["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal(("events.amazonaws.com", "sqs:SendMessage"), ((string?)grant["Principal"]!["Service"], (string?)grant["Action"]));
        TemplateDocument.AssertJson(new JsonArray([.. Rules.Select(r => TemplateDocument.GetAtt(r, "Arn"))]), grant["Condition"]!["ArnEquals"]!["aws:SourceArn"], "the rules that may dead-letter");
    }

    [Fact]
    public void The_forwarding_role_may_only_put_events_on_the_central_bus_for_rules_of_its_account()
    {
        var properties = _member.PropertiesOf("ForwardingRole");
        var trust = Assert.Single(properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal(("events.amazonaws.com", "sts:AssumeRole"), ((string?)trust["Principal"]!["Service"], (string?)trust["Action"]));
        TemplateDocument.AssertJson(TemplateDocument.Ref("AWS::AccountId"), trust["Condition"]!["StringEquals"]!["aws:SourceAccount"], "trust aws:SourceAccount");
        Assert.Null(properties["ManagedPolicyArns"]);
        var statement = Assert.Single(Assert.Single(properties["Policies"]!.AsArray())!["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal(("Allow", "events:PutEvents"), ((string?)statement["Effect"], (string?)statement["Action"]));
        TemplateDocument.AssertJson(TemplateDocument.Ref("CentralEventBusArn"), statement["Resource"], "the bus it may put events on");
        Assert.Equal(["ForwardingRole"], _member.IdsOfType("AWS::IAM::Role"));
    }

    [Theory]
    [InlineData(CentralBus, true)]
    [InlineData("arn:aws:events:us-east-1:111122223333:event-bus/default", true)]
    [InlineData("arn:aws-us-gov:events:us-gov-west-1:111122223333:event-bus/s3audit-central", true)]
    [InlineData("arn:aws:events:eu-west-1:111122223333:rule/s3audit-central/x", false)]
    [InlineData("s3audit-central", false)]
    [InlineData("", false)]
    public void CentralEventBusArn_takes_a_bus_ARN_in_any_account_and_region(string value, bool accepted)
    {
        var parameter = _member.Parameters["CentralEventBusArn"]!;
        Assert.Null(parameter["Default"]);
        Assert.Equal(accepted, System.Text.RegularExpressions.Regex.IsMatch(value, $"^(?:{(string)parameter["AllowedPattern"]!})$"));
    }

    [Fact]
    public void The_optional_trail_is_the_central_stacks_encrypted_private_trail_and_is_created_by_default()
    {
        Assert.Equal("true", (string?)_member.Parameters["CreateTrail"]!["Default"]);
        foreach (var id in new[] { "TrailBucket", "TrailBucketPolicy", "DataEventTrail" })
        {
            Assert.Equal("ShouldCreateTrail", (string?)_member.Resource(id)["Condition"]);
            TemplateDocument.AssertJson(_central.Resource(id), _member.Resource(id), id);
        }
        var bucket = _member.PropertiesOf("TrailBucket");
        Assert.Equal("AES256", (string?)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
            Assert.True((bool?)bucket["PublicAccessBlockConfiguration"]![setting], setting);
        Assert.Contains(_member.PropertiesOf("TrailBucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray(),
            s => (string?)s!["Effect"] == "Deny" && (string?)s["Condition"]?["Bool"]?["aws:SecureTransport"] == "false");
        Assert.True((bool?)_member.PropertiesOf("DataEventTrail")["EnableLogFileValidation"], "log file validation");
    }

    [Fact]
    public void Failed_forwarding_and_dead_letters_raise_alarms_in_the_member_account()
    {
        var failed = _member.PropertiesOf("ForwardingFailedAlarm");
        var metrics = failed["Metrics"]!.AsArray();
        var counted = metrics.Where(m => m!["MetricStat"] is not null).Select(m => m!["MetricStat"]!["Metric"]!).ToList();
        Assert.All(counted, m => Assert.Equal(("AWS/Events", "FailedInvocations"), ((string?)m["Namespace"], (string?)m["MetricName"])));
        TemplateDocument.AssertJson(new JsonArray([.. Rules.Select(r => TemplateDocument.Ref(r))]),
            new JsonArray([.. counted.Select(m => Assert.Single(m["Dimensions"]!.AsArray())!["Value"]!.DeepClone())]), "the rules counted");
        var returned = Assert.Single(metrics, m => (bool?)m!["ReturnData"] == true)!;
        Assert.Equal("FILL(read, 0) + FILL(copyout, 0)", (string?)returned["Expression"]);
        Assert.Equal((1, "GreaterThanOrEqualToThreshold"), ((int?)failed["Threshold"], (string?)failed["ComparisonOperator"]));

        var dead = _member.PropertiesOf("ForwardDeadLetterAlarm");
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("ForwardDeadLetterQueue", "QueueName"), dead["Dimensions"]![0]!["Value"], "dead-letter alarm queue");
        var actions = new JsonObject { ["Fn::If"] = new JsonArray("HasAlarmTopic", new JsonArray(TemplateDocument.Ref("AlarmTopicArn")), TemplateDocument.Ref("AWS::NoValue")) };
        TemplateDocument.AssertJson(actions, failed["AlarmActions"], "failed-forwarding alarm actions");
        TemplateDocument.AssertJson(actions, dead["AlarmActions"], "dead-letter alarm actions");
        Assert.False(_member.Condition("HasAlarmTopic", new Dictionary<string, string> { ["AlarmTopicArn"] = "" }));
    }
}
