using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>statemachine/s3-audit.asl.json: linted by asl-validator (npm) and held to the design's ASL style.</summary>
public sealed class AslTests
{
    private const string NotifyFailure = "Notify Evaluation Failure";
    private const string SnsPublish = "arn:aws:states:::sns:publish";

    private readonly TemplateDocument _template = TemplateDocument.Load();

    private static async Task<(bool Valid, string[] Errors, string Raw)> LintAsync(string aslPath)
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
    public void Every_Lambda_task_has_the_same_retry_and_catches_everything_into_the_failure_notification()
    {
        var asl = _template.LoadAsl();
        var tasks = TemplateDocument.LambdaTasks(asl).ToList();
        Assert.Equal(4, tasks.Count);
        var first = tasks[0].Value["Retry"];
        var retry = Assert.Single(first!.AsArray())!.AsObject();
        Assert.Equal(
            ["Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.ServiceException", "Lambda.TooManyRequestsException"],
            retry["ErrorEquals"]!.AsArray().Select(e => (string)e!).Order(StringComparer.Ordinal));
        Assert.Equal(2.0, (double?)retry["BackoffRate"]);
        Assert.Equal("FULL", (string?)retry["JitterStrategy"]);
        Assert.True((int?)retry["MaxAttempts"] > 0, "MaxAttempts");
        foreach (var (name, state) in tasks)
        {
            TemplateDocument.AssertJson(first, state["Retry"], $"{name} Retry");
            AssertCatchesIntoNotification(name, state);
        }
    }

    [Fact]
    public void Every_task_except_the_notification_itself_fails_closed_into_the_notification()
    {
        var asl = _template.LoadAsl();
        var tasks = TemplateDocument.States(asl).Where(s => (string?)s.Value["Type"] == "Task" && s.Key != NotifyFailure).ToList();
        Assert.Equal(5, tasks.Count);
        foreach (var (name, state) in tasks)
            AssertCatchesIntoNotification(name, state);
    }

    private static void AssertCatchesIntoNotification(string name, JsonObject state)
    {
        var catcher = Assert.Single(state["Catch"]?.AsArray() ?? [])!;
        TemplateDocument.AssertJson(new JsonArray("States.ALL"), catcher["ErrorEquals"], $"{name} Catch ErrorEquals");
        Assert.Equal(NotifyFailure, (string?)catcher["Next"]);
        // The notification reads the error from $.failure while keeping the original event beside it.
        Assert.Equal("$.failure", (string?)catcher["ResultPath"]);
    }

    [Fact]
    public void Publish_Alert_publishes_with_filterable_attributes()
    {
        var asl = _template.LoadAsl();
        var publish = asl["States"]!["Publish Alert"]!.AsObject();
        Assert.Equal("Task", (string?)publish["Type"]);
        Assert.Equal(SnsPublish, (string?)publish["Resource"]);
        var parameters = publish["Parameters"]!.AsObject();
        Assert.Equal("${AlertTopicArn}", (string?)parameters["TopicArn"]);
        Assert.True(parameters.ContainsKey("Subject.$") || parameters.ContainsKey("Subject"), "Subject");
        Assert.True(parameters.ContainsKey("Message.$") || parameters.ContainsKey("Message"), "Message");
        var attributes = parameters["MessageAttributes"]!.AsObject();
        Assert.Equal(["bucket", "eventName", "severity"], attributes.Select(a => a.Key).Order(StringComparer.Ordinal));
        foreach (var (name, attribute) in attributes)
        {
            Assert.Equal("String", (string?)attribute!["DataType"]);
            Assert.True(attribute.AsObject().ContainsKey("StringValue.$") || attribute.AsObject().ContainsKey("StringValue"), $"attribute {name} has a value");
        }
        Assert.True((bool?)publish["End"], "Publish Alert ends the execution");
    }

    [Fact]
    public void Notify_Evaluation_Failure_publishes_then_fails_the_execution()
    {
        var asl = _template.LoadAsl();
        var states = asl["States"]!.AsObject();
        var notify = states[NotifyFailure]!.AsObject();
        Assert.Equal("Task", (string?)notify["Type"]);
        Assert.Equal(SnsPublish, (string?)notify["Resource"]);
        Assert.Equal("${AlertTopicArn}", (string?)notify["Parameters"]?["TopicArn"]);
        Assert.Null(notify["Catch"]); // its own failure must fail the execution (and the alarm), not loop back
        var next = (string?)notify["Next"] ?? throw new Xunit.Sdk.XunitException($"{NotifyFailure} has no Next");
        Assert.Equal("Fail", (string?)states[next]?["Type"]);
    }
}
