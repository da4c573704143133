using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>One execution's outcome: status, states entered, and what was published to SNS.</summary>
public sealed record ExecutionResult(string Name, string Status, string? Error, IReadOnlyList<string> States, IReadOnlyList<JsonElement> Published);

/// <summary>
/// Runs the real statemachine/s3-audit.asl.json with aws-local-stepfunctions (tests/node/run-workflow.js). Its
/// Lambda tasks are served by the real built S3AuditFlow.Functions, one process per function, polling an emulated
/// Runtime API; sns:publish is captured. DynamoDB is a real dynalite.
/// </summary>
public static class WorkflowRun
{
    public static readonly string[] Steps = ["ParseEvent", "CheckAllowlist", "ClassifySensitivity", "DeduplicateAlert"];

    public static async Task<(Dictionary<string, ExecutionResult> Results, IReadOnlyList<string> Logs)> RunAsync(
        string dynamoEndpoint, string configTable, string dedupTable, IEnumerable<(string Name, JsonNode Input)> executions)
    {
        var functions = new JsonObject();
        foreach (var step in Steps)
        {
            functions[StateName(step)] = new JsonObject
            {
                ["command"] = "dotnet",
                ["args"] = new JsonArray(Path.Combine(AppContext.BaseDirectory, "S3AuditFlow.Functions.dll")),
                ["env"] = new JsonObject
                {
                    ["S3AUDIT_STEP"] = step,
                    ["S3AUDIT_CONFIG_TABLE"] = configTable,
                    ["S3AUDIT_DEDUP_TABLE"] = dedupTable,
                    ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamoEndpoint,
                    ["AWS_REGION"] = "us-east-1",
                    ["AWS_ACCESS_KEY_ID"] = "local",
                    ["AWS_SECRET_ACCESS_KEY"] = "local",
                },
            };
        }
        var substitutions = new JsonObject { ["AlertTopicArn"] = "arn:aws:sns:us-east-1:123456789012:s3auditflow-alerts" };
        foreach (var step in Steps)
            substitutions[step + "FunctionArn"] = $"arn:aws:lambda:us-east-1:123456789012:function:{step}Function";
        var spec = new JsonObject
        {
            ["definition"] = Path.Combine(RepoPaths.Root, "statemachine", "s3-audit.asl.json"),
            ["substitutions"] = substitutions,
            ["functions"] = functions,
            ["snsStates"] = new JsonArray("Publish Alert", "Notify Evaluation Failure"),
            ["executions"] = new JsonArray(executions.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["input"] = e.Input.DeepClone() }).ToArray()),
        };
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
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"run-workflow.js failed ({process.ExitCode}): {await error}");
            var root = JsonDocument.Parse(await output).RootElement;
            var results = root.GetProperty("results").EnumerateArray().Select(r => new ExecutionResult(
                r.GetProperty("name").GetString()!,
                r.GetProperty("status").GetString()!,
                r.TryGetProperty("error", out var e) ? e.GetString() : null,
                r.GetProperty("states").EnumerateArray().Select(s => s.GetString()!).ToList(),
                r.GetProperty("published").EnumerateArray().Select(p => p.Clone()).ToList()))
                .ToDictionary(r => r.Name);
            var logs = root.GetProperty("logs").EnumerateArray().Select(l => l.ToString()).ToList();
            return (results, logs);
        }
        finally
        {
            File.Delete(specFile);
        }
    }

    /// <summary>"CheckAllowlist" → "Check Allowlist": the state of each step.</summary>
    public static string StateName(string step) => string.Concat(step.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + c : c.ToString()));
}
