using System.Text.Json.Nodes;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// serverless.template's central bus for an organization-wide deployment: absent by default, accepting only the
/// organization or the listed accounts, and routing with the same patterns, retries and dead letters as the
/// default bus's rules.
/// </summary>
public sealed class CentralBusTemplateTests
{
    private const string Organization = "o-a1b2c3d4e5";
    private const string ListedAccount = "444455556666";
    private const string CentralAccount = "111122223333";
    private readonly TemplateDocument _template = TemplateDocument.Load();

    private static readonly string[] BusResources = ["CentralEventBus", "CentralBusRuleRole", "CentralBusS3ObjectRead", "CentralBusS3ObjectCopyOut"];

    /// <summary>Parameter and pseudo-parameter values as CloudFormation would give them.</summary>
    private static Dictionary<string, string> Deployed(string organizationId, string memberAccountIds) => new()
    {
        ["MonitoredBuckets"] = "acme-finance-exports",
        ["OrganizationId"] = organizationId,
        ["MemberAccountIds"] = memberAccountIds,
        ["AWS::AccountId"] = CentralAccount,
        ["AWS::Region"] = "us-east-1",
        ["AWS::Partition"] = "aws",
        ["AWS::StackName"] = "s3audit",
    };

    private const string BusArn = "arn:aws:events:us-east-1:" + CentralAccount + ":event-bus/s3audit-central";

    [Fact]
    public void By_default_there_is_no_bus_and_every_bus_resource_depends_on_the_organization_parameters()
    {
        Assert.Equal("", (string?)_template.Parameters["OrganizationId"]!["Default"]);
        Assert.Equal("", (string?)_template.Parameters["MemberAccountIds"]!["Default"]);
        Assert.Equal("CommaDelimitedList", (string?)_template.Parameters["MemberAccountIds"]!["Type"]);
        foreach (var id in BusResources)
            Assert.Equal("HasCentralBus", (string?)_template.Resource(id)["Condition"]);
        Assert.Equal("HasCentralBus", (string?)_template.Outputs["CentralEventBusArn"]!["Condition"]);

        Assert.False(_template.Condition("HasCentralBus", Deployed("", "")), "single account: no bus");
        Assert.True(_template.Condition("HasCentralBus", Deployed(Organization, "")));
        Assert.True(_template.Condition("HasCentralBus", Deployed("", ListedAccount)));
        // Without the bus, what a single-account stack gets is what it got before: the lists where a bus rule could
        // appear evaluate to the default bus's rules only.
        var sourceArns = _template.PropertiesOf("EventDeadLetterQueuePolicy")["PolicyDocument"]!["Statement"]![0]!["Condition"]!["ArnEquals"]!["aws:SourceArn"];
        TemplateDocument.AssertJson(new JsonArray(TemplateDocument.GetAtt("AuditStateMachineS3ObjectRead", "Arn"), TemplateDocument.GetAtt("AuditStateMachineS3ObjectCopyOut", "Arn")),
            _template.Evaluate(sourceArns, Deployed("", "")), "the DLQ's source rules without a bus");
    }

    [Theory]
    [InlineData("o-a1b2c3d4e5", true)]
    [InlineData("", true)]
    [InlineData("o-", false)]
    [InlineData("r-a1b2", false)]
    [InlineData("O-A1B2C3D4E5", false)]
    public void OrganizationId_takes_an_organization_ID_or_nothing(string value, bool accepted)
    {
        var pattern = (string)_template.Parameters["OrganizationId"]!["AllowedPattern"]!;
        Assert.Equal(accepted, System.Text.RegularExpressions.Regex.IsMatch(value, $"^(?:{pattern})$"));
    }

    public static TheoryData<string, string, string, string?, string, string, bool> Requests => new()
    {
        // organization, listed accounts | principal account, its organization, action, resource | allowed
        { Organization, ListedAccount, "777788889999", Organization, "events:PutEvents", BusArn, true },
        { Organization, ListedAccount, "999988887777", "o-zz9y8x7w6v", "events:PutEvents", BusArn, false },
        { Organization, ListedAccount, ListedAccount, null, "events:PutEvents", BusArn, true },
        { Organization, ListedAccount, "121212121212", null, "events:PutEvents", BusArn, false },
        { Organization, ListedAccount, "777788889999", Organization, "events:PutRule", BusArn, false },
        { Organization, ListedAccount, "777788889999", Organization, "events:PutEvents", "arn:aws:events:us-east-1:" + CentralAccount + ":event-bus/default", false },
        // Only the organization: a listed-looking account outside it is refused.
        { Organization, "", ListedAccount, null, "events:PutEvents", BusArn, false },
        // Only listed accounts: membership of some organization grants nothing.
        { "", ListedAccount, "777788889999", Organization, "events:PutEvents", BusArn, false },
        { "", ListedAccount + ",333344445555", "333344445555", null, "events:PutEvents", BusArn, true },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_bus_policy_admits_only_the_organization_and_the_listed_accounts(string organizationId, string memberAccountIds,
        string account, string? principalOrg, string action, string resource, bool allowed)
    {
        // The policy as CloudFormation would write it for these parameters, then judged by the documented subset of
        // IAM's evaluation logic in ResourcePolicyEvaluator: no real IAM evaluator runs in this test.
        var policy = _template.Evaluate(_template.PropertiesOf("CentralEventBus")["Policy"], Deployed(organizationId, memberAccountIds))!;
        var request = new PolicyRequest(account, principalOrg, action, resource);

        var (actual, decidedBy) = ResourcePolicyEvaluator.Evaluate(policy, request);

        Assert.True(allowed == actual, $"{request}: expected {(allowed ? "allowed" : "denied")}, policy {policy.ToJsonString()} decided by {decidedBy ?? "(implicit deny)"}");
    }

    [Fact]
    public void The_bus_policy_names_the_bus_it_is_attached_to()
    {
        var properties = _template.Evaluate(_template.PropertiesOf("CentralEventBus"), Deployed(Organization, ListedAccount))!;
        Assert.Equal(BusArn.Split('/')[^1], (string?)properties["Name"]);
        var statements = properties["Policy"]!["Statement"]!.AsArray();
        Assert.Equal(2, statements.Count);
        Assert.All(statements, s => Assert.Equal(BusArn, (string?)s!["Resource"]));
        Assert.All(statements, s => Assert.Equal("Allow", (string?)s!["Effect"]));
        // With one of the two parameters, only its statement is written (AWS::NoValue drops the other).
        Assert.Single(_template.Evaluate(_template.PropertiesOf("CentralEventBus")["Policy"], Deployed(Organization, ""))!["Statement"]!.AsArray());
    }

    [Fact]
    public void The_evaluator_judges_what_it_supports_and_refuses_what_it_does_not()
    {
        // A deny beats an allow; a missing condition key fails StringEquals; other operators are not guessed at.
        var policy = JsonNode.Parse("""
            {"Statement": [
              {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "events:*", "Resource": "*"},
              {"Sid": "NotThatAccount", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "events:PutEvents", "Resource": "*"}
            ]}
            """)!;
        Assert.True(ResourcePolicyEvaluator.Allows(policy, new PolicyRequest("777788889999", null, "events:PutEvents", BusArn)));
        Assert.Equal((false, "NotThatAccount"), ResourcePolicyEvaluator.Evaluate(policy, new PolicyRequest("999988887777", null, "events:PutEvents", BusArn)));
        var orgOnly = JsonNode.Parse("""{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}}""")!;
        Assert.False(ResourcePolicyEvaluator.Allows(orgOnly, new PolicyRequest("777788889999", null, "events:PutEvents", BusArn)));
        var like = JsonNode.Parse("""{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}}""")!;
        Assert.Throws<NotSupportedException>(() => ResourcePolicyEvaluator.Allows(like, new PolicyRequest("777788889999", Organization, "events:PutEvents", BusArn)));
    }

    [Theory]
    [InlineData("S3ObjectRead")]
    [InlineData("S3ObjectCopyOut")]
    public void Each_bus_rule_routes_like_its_default_bus_rule(string rule)
    {
        // SAM event sources cannot carry a Condition, so the bus rules are plain rules: the template cannot share
        // one pattern between them, and this keeps the copies equal, as written and for any MonitoredEvents.
        var sam = _template.StateMachineProperties["Events"]![rule]!["Properties"]!;
        var bus = _template.PropertiesOf("CentralBus" + rule);
        TemplateDocument.AssertJson(sam["Pattern"], bus["EventPattern"], $"CentralBus{rule} EventPattern");
        TemplateDocument.AssertJson(TemplateDocument.Ref("CentralEventBus"), bus["EventBusName"], "EventBusName");
        Assert.Equal("ENABLED", (string?)bus["State"]);
        var target = Assert.Single(bus["Targets"]!.AsArray())!;
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), target["Arn"], "target");
        TemplateDocument.AssertJson(TemplateDocument.GetAtt("CentralBusRuleRole", "Arn"), target["RoleArn"], "RoleArn");
        TemplateDocument.AssertJson(sam["RetryPolicy"], target["RetryPolicy"], "RetryPolicy");
        TemplateDocument.AssertJson(sam["DeadLetterConfig"], target["DeadLetterConfig"], "DeadLetterConfig");
        // The dead-letter queue accepts this rule's failures too, when it exists.
        var sourceArns = _template.PropertiesOf("EventDeadLetterQueuePolicy")["PolicyDocument"]!["Statement"]![0]!["Condition"]!["ArnEquals"]!["aws:SourceArn"]!;
        Assert.Contains(TemplateDocument.GetAtt("CentralBus" + rule, "Arn").ToJsonString(), _template.Evaluate(sourceArns, Deployed(Organization, ""))!.AsArray().Select(a => a!.ToJsonString()));
    }

    [Fact]
    public void The_bus_rules_role_may_only_start_the_audit_state_machine_for_rules_of_this_account()
    {
        var properties = _template.PropertiesOf("CentralBusRuleRole");
        var trust = Assert.Single(properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("events.amazonaws.com", (string?)trust["Principal"]!["Service"]);
        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        TemplateDocument.AssertJson(TemplateDocument.Ref("AWS::AccountId"), trust["Condition"]!["StringEquals"]!["aws:SourceAccount"], "trust aws:SourceAccount");
        Assert.Null(properties["ManagedPolicyArns"]);
        var statement = Assert.Single(Assert.Single(properties["Policies"]!.AsArray())!["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal(("Allow", "states:StartExecution"), ((string?)statement["Effect"], (string?)statement["Action"]));
        TemplateDocument.AssertJson(TemplateDocument.Ref(_template.StateMachineId), statement["Resource"], "the machine it may start");
        Assert.Null(statement["Condition"]);
    }
}
