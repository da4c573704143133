using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>serverless.template and the ASL it points at, parsed, with the lookups the template and ASL tests share.</summary>
internal sealed class TemplateDocument
{
    public const string FunctionType = "AWS::Serverless::Function";
    public const string StateMachineType = "AWS::Serverless::StateMachine";

    private TemplateDocument(string path, string text)
    {
        Path = path;
        Text = text;
        Root = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException($"{path} is not a JSON object");
    }

    /// <summary>The repository's serverless.template.</summary>
    public static string RepoTemplatePath => System.IO.Path.Combine(RepoPaths.Root, "serverless.template");

    public string Path { get; }

    public string Text { get; }

    public JsonObject Root { get; }

    public JsonObject Resources => Root["Resources"]!.AsObject();

    public JsonObject Parameters => Root["Parameters"]!.AsObject();

    public JsonObject Outputs => Root["Outputs"]!.AsObject();

    /// <summary>Globals.Function, or an empty object.</summary>
    public JsonObject FunctionGlobals => Root["Globals"]?["Function"]?.AsObject() ?? [];

    public static TemplateDocument Load(string? path = null)
    {
        path ??= RepoTemplatePath;
        return new TemplateDocument(path, File.ReadAllText(path));
    }

    public JsonObject Resource(string logicalId) =>
        Resources[logicalId]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"the template has no resource {logicalId}");

    public static JsonObject Properties(JsonObject resource) => resource["Properties"]?.AsObject() ?? [];

    public JsonObject PropertiesOf(string logicalId) => Properties(Resource(logicalId));

    public IReadOnlyList<string> IdsOfType(string type) =>
        [.. Resources.Where(r => (string?)r.Value?["Type"] == type).Select(r => r.Key)];

    public IReadOnlyList<string> FunctionIds => IdsOfType(FunctionType);

    public string StateMachineId => Assert.Single(IdsOfType(StateMachineType));

    public JsonObject StateMachineProperties => PropertiesOf(StateMachineId);

    /// <summary>A function property as SAM resolves it: the function's own value, else Globals.Function's.</summary>
    public JsonNode? EffectiveFunctionProperty(string functionId, string name) =>
        PropertiesOf(functionId)[name] ?? FunctionGlobals[name];

    /// <summary>A function's environment variable: its own, else the global one (SAM merges the two maps).</summary>
    public JsonNode? EnvironmentVariable(string functionId, string name) =>
        PropertiesOf(functionId)["Environment"]?["Variables"]?[name] ?? FunctionGlobals["Environment"]?["Variables"]?[name];

    /// <summary>The Policies of a function or state machine as a list (SAM accepts one value or a list).</summary>
    public static IReadOnlyList<JsonNode> Policies(JsonObject properties) => properties["Policies"] switch
    {
        null => [],
        JsonArray list => [.. list.Select(p => p!)],
        var single => [single],
    };

    /// <summary>The state machine definition file (DefinitionUri, relative to the template).</summary>
    public string AslPath
    {
        get
        {
            var uri = (string?)StateMachineProperties["DefinitionUri"] ?? throw new Xunit.Sdk.XunitException("the state machine has no local DefinitionUri");
            return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, uri);
        }
    }

    public JsonObject LoadAsl() => JsonNode.Parse(File.ReadAllText(AslPath))!.AsObject();

    /// <summary>{"Ref": id}</summary>
    public static JsonNode Ref(string id) => new JsonObject { ["Ref"] = id };

    /// <summary>{"Fn::GetAtt": [id, attribute]}</summary>
    public static JsonNode GetAtt(string id, string attribute) => new JsonObject { ["Fn::GetAtt"] = new JsonArray(id, attribute) };

    /// <summary>Asserts two JSON values are equal, showing both on failure.</summary>
    public static void AssertJson(JsonNode? expected, JsonNode? actual, string what)
    {
        if (!JsonNode.DeepEquals(expected, actual))
            throw new Xunit.Sdk.XunitException($"{what}: expected {Show(expected)} but found {Show(actual)}");
    }

    public static string Show(JsonNode? node) => node?.ToJsonString() ?? "(missing)";

    /// <summary>"Check Allowlist" → "CheckAllowlist": the one name a step has everywhere.</summary>
    public static string StepName(string stateName) => stateName.Replace(" ", "", StringComparison.Ordinal);

    /// <summary>Task states that invoke a Lambda function directly (Resource is a substitution, not an arn:aws:states::: integration).</summary>
    public static IEnumerable<KeyValuePair<string, JsonObject>> LambdaTasks(JsonObject asl) =>
        States(asl).Where(s => (string?)s.Value["Type"] == "Task" && !((string?)s.Value["Resource"] ?? "").StartsWith("arn:aws:states:::", StringComparison.Ordinal));

    public static IEnumerable<KeyValuePair<string, JsonObject>> States(JsonObject asl) =>
        asl["States"]!.AsObject().Select(s => KeyValuePair.Create(s.Key, s.Value!.AsObject()));
}

/// <summary>Output of a finished child process (stdout and stderr interleaved as they arrived).</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"$ {Command}\nexit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n{Output}";
}

/// <summary>Runs the build commands (make, dotnet publish) the artifact tests check.</summary>
internal static class ArtifactCommand
{
    /// <summary>The dotnet running the tests (DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // No MSBuild nodes or compiler servers outliving the build: they would keep the output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var command = fileName + " " + string.Join(' ', start.ArgumentList);
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
        }
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish in {timeout.TotalSeconds} s:\n{Snapshot()}");
        }
        return new CommandResult(command, process.ExitCode, Snapshot(), clock.Elapsed);

        string Snapshot()
        {
            lock (output)
                return output.ToString();
        }
    }

    /// <summary>Runs a command and asserts it exits 0, showing its output otherwise.</summary>
    public static async Task<CommandResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var result = await RunAsync(fileName, arguments, timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class BuildScratch : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("s3audit-artifact-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that was just killed may still hold a file; the OS cleans /tmp.
        }
    }
}

/// <summary>What a built function posted back for the one invocation.</summary>
internal sealed record ArtifactReply(string Path, string Body, string? ErrorType)
{
    public bool IsResponse => Path.EndsWith("/response", StringComparison.Ordinal);
}

/// <summary>
/// A minimal Lambda Runtime API on 127.0.0.1 for running a built artifact as Lambda would: it hands out one
/// invocation on GET /2018-06-01/runtime/invocation/next, holds later polls open (as Lambda does between
/// invocations), and records the first POST back (response, invocation error or init error).
/// </summary>
internal sealed class ArtifactRuntimeHost : IDisposable
{
    public const string RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    public const string TraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";

    private readonly HttpListener _listener;
    private readonly byte[] _payload;
    private readonly TaskCompletionSource<ArtifactReply> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private int _handedOut;

    public ArtifactRuntimeHost(string payload)
    {
        _payload = Encoding.UTF8.GetBytes(payload);
        (_listener, Address) = Listen();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>host:port, as AWS_LAMBDA_RUNTIME_API gives it.</summary>
    public string Address { get; }

    /// <summary>The first thing the function posted back.</summary>
    public Task<ArtifactReply> Reply => _reply.Task;

    /// <summary>
    /// Starts <paramref name="fileName"/> as the function for <paramref name="step"/>, serves it the one invocation
    /// and returns its reply and output; the process is killed afterwards (Lambda would freeze it).
    /// </summary>
    public static async Task<(ArtifactReply Reply, string Output)> InvokeOnceAsync(string fileName, IEnumerable<string> arguments, string step, string payload, TimeSpan timeout)
    {
        using var host = new ArtifactRuntimeHost(payload);
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetTempPath(),
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = host.Address;
        start.Environment["S3AUDIT_STEP"] = step;
        start.Environment["AWS_REGION"] = "eu-west-1";
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(host.Reply, exited, Task.Delay(timeout));
            if (first != host.Reply)
            {
                var why = first == exited ? $"exited with {process.ExitCode}" : $"sent nothing in {timeout.TotalSeconds} s";
                throw new Xunit.Sdk.XunitException($"{start.FileName} {why}; its output:\n{Snapshot()}");
            }
            var reply = await host.Reply;
            // The step logs its decision before the loop responds, but the line may still be in the pipe.
            for (var wait = 0; wait < 50 && !Snapshot().Contains('\n', StringComparison.Ordinal); wait++)
                await Task.Delay(100);
            return (reply, Snapshot());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }

        string Snapshot()
        {
            lock (output)
                return output.ToString();
        }
    }

    private static (HttpListener, string) Listen()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, $"127.0.0.1:{port}");
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between probe and bind.
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        try
        {
            if (request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
            {
                if (Interlocked.Increment(ref _handedOut) > 1)
                {
                    // Lambda holds the poll open until the next event; here there is none.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                response.StatusCode = 200;
                response.ContentType = "application/json";
                response.Headers["Lambda-Runtime-Aws-Request-Id"] = RequestId;
                response.Headers["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:eu-west-1:111122223333:function:s3audit-ParseEventFunction";
                response.Headers["Lambda-Runtime-Trace-Id"] = TraceId;
                await response.OutputStream.WriteAsync(_payload);
                response.Close();
                return;
            }
            if (request.HttpMethod == "POST" && path.StartsWith("/2018-06-01/runtime/", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                response.StatusCode = 202;
                response.Close();
                _reply.TrySetResult(new ArtifactReply(path, body, request.Headers["Lambda-Runtime-Function-Error-Type"]));
                return;
            }
            response.StatusCode = 404;
            response.Close();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
            // Stopped, or the function went away mid-request.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}

/// <summary>The EventBridge-wrapped CloudTrail GetObject every artifact test invokes with.</summary>
internal static class ArtifactEvent
{
    public const string Fixture = "eventbridge-GetObject-sso-role.json";
    public const string EventId = "c2f4a6b8-1d3e-4f50-9a7b-8c9d0e1f2a3b";
    public const string Bucket = "acme-finance-exports";
    public const string Key = "payroll/2024-10/salaries.xlsx";

    public static string Payload => File.ReadAllText(System.IO.Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail", Fixture));

    /// <summary>Asserts the function answered with the parsed access and logged one decision line without the event body.</summary>
    public static void AssertParsed(ArtifactReply reply, string output)
    {
        Assert.True(reply.IsResponse, $"expected POST …/{ArtifactRuntimeHost.RequestId}/response, got {reply.Path} ({reply.ErrorType}): {reply.Body}\n{output}");
        Assert.Equal($"/2018-06-01/runtime/invocation/{ArtifactRuntimeHost.RequestId}/response", reply.Path);
        using var document = JsonDocument.Parse(reply.Body);
        var root = document.RootElement;
        Assert.True(root.GetProperty("applicable").GetBoolean(), reply.Body);
        var access = root.GetProperty("access");
        Assert.Equal(JsonValueKind.Object, access.ValueKind);
        Assert.Equal(EventId, access.GetProperty("eventId").GetString());
        Assert.Equal("GetObject", access.GetProperty("eventName").GetString());
        Assert.Equal(Bucket, access.GetProperty("bucket").GetString());
        Assert.Equal(Key, access.GetProperty("key").GetString());
        // Logs are data: a JSON decision line naming the step and event, never the CloudTrail payload itself.
        Assert.Contains(output.Split('\n'), line => line.StartsWith('{') && line.Contains("\"step\":\"ParseEvent\"", StringComparison.Ordinal) && line.Contains(EventId, StringComparison.Ordinal));
        Assert.DoesNotContain("x-amz-id-2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-cli/2.17.60", output, StringComparison.Ordinal);
    }
}
