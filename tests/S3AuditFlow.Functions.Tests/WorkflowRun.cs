using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>One execution's outcome: status, states entered, and what was published to SNS.</summary>
/// <param name="Calls">The captured AWS SDK integration calls: {state, resource, parameters}.</param>
public sealed record ExecutionResult(string Name, string Status, string? Error, IReadOnlyList<string> States, IReadOnlyList<JsonElement> Published, IReadOnlyList<JsonElement> Calls)
{
    /// <summary>The published messages' parameters, of one kind (`kind` attribute: alert, harvest, evaluation-failure).</summary>
    public IEnumerable<JsonElement> Messages(string kind) =>
        Published.Select(p => p.GetProperty("parameters")).Where(p => WorkflowRun.Attribute(p, "kind") == kind);
}

/// <summary>How a run is set up beyond the executions: servers, injected faults, concurrency.</summary>
public sealed record WorkflowOptions
{
    /// <summary>An SQS-compatible server (moto_server) for the replay queue; without it keeping an event fails.</summary>
    public string? SqsEndpoint { get; init; }
    /// <summary>The replay queue's URL (substituted for ${ReplayQueueUrl}).</summary>
    public string ReplayQueueUrl { get; init; } = "http://127.0.0.1:9/000000000000/no-replay-queue";
    /// <summary>Where the functions reach DynamoDB, if not the tables' own server (e.g. a proxy that can be cut).</summary>
    public string? FunctionsDynamoEndpoint { get; init; }
    /// <summary>sns:publish states that fail on every attempt.</summary>
    public IReadOnlyList<string> FailPublish { get; init; } = [];
    /// <summary>The first K invocations of every Lambda task of every execution fail with Lambda.TooManyRequestsException.</summary>
    public int ThrottleAttempts { get; init; }
    /// <summary>Executions running at once.</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Processes per function (Lambda's concurrent instances).</summary>
    public int Instances { get; init; } = 1;
    /// <summary>After the executions, start one per message of this queue (what the replay Pipe does).</summary>
    public string? ExecutionsFromQueue { get; init; }
    /// <summary>Extra environment for every function (e.g. S3AUDIT_HARVEST_THRESHOLDS).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Runs the real statemachine/s3-audit.asl.json with aws-local-stepfunctions (tests/node/run-workflow.js). Its
/// Lambda tasks are served by the real built S3AuditFlow.Functions, one process per function, polling an emulated
/// Runtime API; sns:publish is captured. DynamoDB is a real dynalite.
/// </summary>
public static class WorkflowRun
{
    public static readonly string[] Steps = ["ParseEvent", "CheckAllowlist", "ClassifySensitivity", "DeduplicateAlert"];

    public static async Task<(Dictionary<string, ExecutionResult> Results, IReadOnlyList<string> Logs)> RunAsync(
        string dynamoEndpoint, string configTable, string dedupTable, IEnumerable<(string Name, JsonNode Input)> executions, WorkflowOptions? options = null)
    {
        options ??= new WorkflowOptions();
        var functions = new JsonObject();
        foreach (var step in Steps)
        {
            var env = new JsonObject
            {
                ["S3AUDIT_STEP"] = step,
                ["S3AUDIT_CONFIG_TABLE"] = configTable,
                ["S3AUDIT_DEDUP_TABLE"] = dedupTable,
                ["AWS_ENDPOINT_URL_DYNAMODB"] = options.FunctionsDynamoEndpoint ?? dynamoEndpoint,
                ["AWS_REGION"] = "us-east-1",
                ["AWS_ACCESS_KEY_ID"] = "local",
                ["AWS_SECRET_ACCESS_KEY"] = "local",
            };
            foreach (var (name, value) in options.Environment)
                env[name] = value;
            functions[StateName(step)] = Function(env, options.Instances);
        }
        var substitutions = new JsonObject
        {
            ["AlertTopicArn"] = "arn:aws:sns:us-east-1:123456789012:s3auditflow-alerts",
            ["ReplayQueueUrl"] = options.ReplayQueueUrl,
            ["DedupTableName"] = dedupTable,
        };
        foreach (var step in Steps)
            substitutions[step + "FunctionArn"] = $"arn:aws:lambda:us-east-1:123456789012:function:{step}Function";
        var spec = new JsonObject
        {
            ["definition"] = Path.Combine(RepoPaths.Root, "statemachine", "s3-audit.asl.json"),
            ["substitutions"] = substitutions,
            ["functions"] = functions,
            ["sqsEndpoint"] = options.SqsEndpoint,
            ["dynamoEndpoint"] = dynamoEndpoint,
            ["failPublish"] = new JsonArray(options.FailPublish.Select(s => (JsonNode)s).ToArray()),
            ["throttle"] = new JsonObject { ["attempts"] = options.ThrottleAttempts },
            ["concurrency"] = options.Concurrency,
            ["executionsFromQueue"] = options.ExecutionsFromQueue,
            ["executions"] = Executions(executions),
        };
        return await RunSpecAsync(spec);
    }

    /// <summary>A function served by the real built S3AuditFlow.Functions, with its environment.</summary>
    public static JsonObject Function(JsonObject env, int instances = 1) => new()
    {
        ["command"] = "dotnet",
        ["args"] = new JsonArray(Path.Combine(AppContext.BaseDirectory, "S3AuditFlow.Functions.dll")),
        ["env"] = env,
        ["instances"] = instances,
    };

    public static JsonArray Executions(IEnumerable<(string Name, JsonNode Input)> executions) =>
        new([.. executions.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["input"] = e.Input.DeepClone() })]);

    /// <summary>Runs tests/node/run-workflow.js on a spec (its header says what a spec holds).</summary>
    public static async Task<(Dictionary<string, ExecutionResult> Results, IReadOnlyList<string> Logs)> RunSpecAsync(JsonObject spec)
    {
        var specFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());
        try
        {
            var start = new ProcessStartInfo(RepoPaths.Node)
            {
                ArgumentList = { Path.Combine(RepoPaths.NodeTools, "run-workflow.js"), specFile },
                WorkingDirectory = RepoPaths.NodeTools,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"run-workflow.js failed ({process.ExitCode}): {await error}");
            var root = JsonDocument.Parse(await output).RootElement;
            var results = root.GetProperty("results").EnumerateArray().Select(r => new ExecutionResult(
                r.GetProperty("name").GetString()!,
                r.GetProperty("status").GetString()!,
                r.TryGetProperty("error", out var e) ? e.GetString() : null,
                r.GetProperty("states").EnumerateArray().Select(s => s.GetString()!).ToList(),
                r.GetProperty("published").EnumerateArray().Select(p => p.Clone()).ToList(),
                r.GetProperty("calls").EnumerateArray().Select(c => c.Clone()).ToList()))
                .ToDictionary(r => r.Name);
            var logs = root.GetProperty("logs").EnumerateArray().Select(l => l.ToString()).ToList();
            return (results, logs);
        }
        finally
        {
            File.Delete(specFile);
        }
    }

    /// <summary>A message attribute's value of published sns:publish parameters, or null.</summary>
    public static string? Attribute(JsonElement parameters, string name) =>
        parameters.TryGetProperty("MessageAttributes", out var attributes) && attributes.TryGetProperty(name, out var attribute)
            ? attribute.GetProperty("StringValue").GetString()
            : null;

    /// <summary>"CheckAllowlist" → "Check Allowlist": the state of each step.</summary>
    public static string StateName(string step) => string.Concat(step.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + c : c.ToString()));
}
