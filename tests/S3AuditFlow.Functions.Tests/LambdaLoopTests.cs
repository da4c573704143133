using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using S3AuditFlow.Functions.Runtime;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

/// <summary>The Runtime API loop against a fake Runtime API on 127.0.0.1: what Lambda would see of our function.</summary>
public sealed class LambdaLoopTests : IDisposable
{
    private readonly FakeRuntimeApi _api = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stderr = new();

    /// <summary>What the loop wrote to its log (stderr in Lambda), one line each.</summary>
    private string[] LogLines => _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private RuntimeApiClient Client => new(_http, _api.Address);

    private Task Serve(InvocationHandler handler) =>
        Task.Run(() => LambdaLoop.RunAsync(Client, handler, TimeProvider.System, TextWriter.Synchronized(_stderr), _stop.Token));

    private Task InvokeOnce(InvocationHandler handler) =>
        LambdaLoop.InvokeOnceAsync(Client, handler, TimeProvider.System, TextWriter.Synchronized(_stderr), _stop.Token).WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>A payload with what an event holds and no log may show: a principal and an IP.</summary>
    private const string SecretPayload = "{\"userIdentity\":{\"arn\":\"arn:aws:iam::111122223333:role/payload-principal\"},\"sourceIPAddress\":\"203.0.113.77\"}";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<byte[]> ReadTheTable() => throw new TimeoutException("table read timed out");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<byte[]> FailingStep()
    {
        try
        {
            return await ReadTheTable();
        }
        catch (TimeoutException e)
        {
            throw new StepFailedException("StoreUnavailable", "event e1: config unavailable", e);
        }
    }

    [Fact]
    public async Task One_iteration_serves_exactly_one_invocation_and_returns()
    {
        var first = _api.Invoke("1");
        var second = _api.Invoke("2");

        await InvokeOnce((payload, _) => Task.FromResult(payload));

        Assert.Equal(new RuntimeReply(false, "1", null, null, RuntimeApiClient.UserAgent), await first);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, _api.Queued);
    }

    [Fact]
    public async Task A_handler_exception_is_logged_as_one_JSON_line_with_type_message_and_stack_but_not_the_event()
    {
        var reply = _api.Invoke(SecretPayload);

        await InvokeOnce((_, _) => FailingStep());
        await reply;

        var line = JsonDocument.Parse(Assert.Single(LogLines)).RootElement;
        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.Equal("request-1", line.GetProperty("requestId").GetString());
        Assert.Equal("StoreUnavailable", line.GetProperty("errorType").GetString());
        Assert.Equal(typeof(StepFailedException).FullName, line.GetProperty("exceptionType").GetString());
        Assert.Equal("event e1: config unavailable", line.GetProperty("message").GetString());
        Assert.Contains(line.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains(nameof(FailingStep), StringComparison.Ordinal));
        var cause = line.GetProperty("cause");
        Assert.Equal("table read timed out", cause.GetProperty("errorMessage").GetString());
        Assert.Contains(cause.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains(nameof(ReadTheTable), StringComparison.Ordinal));
        Assert.DoesNotContain("payload-principal", _stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.77", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_posted_to_Lambda_carries_the_stack_and_the_XRay_error_cause()
    {
        var reply = _api.Invoke(SecretPayload);

        await InvokeOnce((_, _) => FailingStep());
        var error = await reply;

        Assert.Equal("StoreUnavailable", error.ErrorType);
        var body = JsonDocument.Parse(error.Body).RootElement;
        Assert.Contains(body.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains(nameof(FailingStep), StringComparison.Ordinal));
        Assert.Equal("TimeoutException", body.GetProperty("cause").GetProperty("errorType").GetString());

        Assert.NotNull(error.XRayErrorCause);
        var cause = JsonDocument.Parse(error.XRayErrorCause).RootElement;
        Assert.Equal(Environment.CurrentDirectory, cause.GetProperty("working_directory").GetString());
        var exceptions = cause.GetProperty("exceptions").EnumerateArray().ToList();
        Assert.Equal(["StoreUnavailable", "TimeoutException"], exceptions.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("event e1: config unavailable", exceptions[0].GetProperty("message").GetString());
        var frame = exceptions[1].GetProperty("stack").EnumerateArray().First();
        Assert.Contains(nameof(ReadTheTable), frame.GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("LambdaLoopTests.cs", frame.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.True(frame.GetProperty("line").GetInt32() > 0);
        Assert.DoesNotContain("payload-principal", error.XRayErrorCause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exception_message_with_a_lone_surrogate_is_still_logged_and_reported()
    {
        var reply = _api.Invoke("{}");

        await InvokeOnce((_, _) => throw new FormatException("bad key \ud800é"));
        var error = await reply;

        Assert.Equal("FormatException", error.ErrorType);
        Assert.Equal("bad key \ufffdé", JsonDocument.Parse(error.Body).RootElement.GetProperty("errorMessage").GetString());
        Assert.True(error.XRayErrorCause!.All(char.IsAscii));
        Assert.Equal("bad key \ufffdé", JsonDocument.Parse(Assert.Single(LogLines)).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Every_Runtime_API_call_carries_the_runtimes_User_Agent()
    {
        var ok = _api.Invoke("{}");
        var failed = _api.Invoke("{}");

        await InvokeOnce((payload, _) => Task.FromResult(payload));
        await InvokeOnce((_, _) => throw new InvalidOperationException("boom"));

        Assert.StartsWith("s3auditflow-runtime/", RuntimeApiClient.UserAgent, StringComparison.Ordinal);
        Assert.Equal(RuntimeApiClient.UserAgent, (await ok).UserAgent);
        Assert.Equal(RuntimeApiClient.UserAgent, (await failed).UserAgent);
        Assert.Equal([RuntimeApiClient.UserAgent, RuntimeApiClient.UserAgent], _api.NextUserAgents);
    }

    [Fact]
    public async Task Serves_several_invocations_in_one_process_and_posts_each_response()
    {
        var served = Serve((payload, _) => Task.FromResult(Encoding.UTF8.GetBytes($"{{\"echo\":{Encoding.UTF8.GetString(payload)}}}")));

        var replies = new List<RuntimeReply>();
        for (var i = 0; i < 3; i++)
            replies.Add(await _api.Invoke($"{i}"));

        Assert.Equal(["{\"echo\":0}", "{\"echo\":1}", "{\"echo\":2}"], replies.Select(r => r.Body));
        Assert.All(replies, r => Assert.False(r.IsError));
        // Still serving (a loop that had ended or died would leave this one unanswered), and stopping it ends it
        // cleanly, not with a fault: a cancellation while it waits for the next invocation, or a plain return when
        // the stop lands between invocations (the loop checks it before asking for the next one; a CI run saw both).
        Assert.Equal("{\"echo\":3}", (await _api.Invoke("3")).Body);
        await _stop.CancelAsync();
        var ended = await Record.ExceptionAsync(() => served.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(ended is null or OperationCanceledException, $"the loop ended with {ended}");
    }

    [Fact]
    public async Task A_handler_exception_posts_an_error_with_its_type_and_the_loop_goes_on()
    {
        var calls = 0;
        _ = Serve((_, _) => ++calls == 1 ? throw new InvalidOperationException("boom") : Task.FromResult("{}"u8.ToArray()));

        var error = await _api.Invoke("{}");
        var next = await _api.Invoke("{}");

        Assert.True(error.IsError);
        Assert.Equal("InvalidOperationException", error.ErrorType);
        var body = JsonDocument.Parse(error.Body).RootElement;
        Assert.Equal("boom", body.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", body.GetProperty("errorType").GetString());
        Assert.NotEmpty(body.GetProperty("stackTrace").EnumerateArray());
        Assert.False(next.IsError);
    }

    [Fact]
    public async Task A_step_failure_reports_the_steps_error_type_so_the_state_machine_can_match_it()
    {
        _ = Serve((_, _) => throw new StepFailedException("MalformedEvent", "event e1: GetObject without eventTime"));

        var error = await _api.Invoke("{}");

        Assert.Equal("MalformedEvent", error.ErrorType);
        Assert.Contains("GetObject without eventTime", error.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deadline_cancels_the_handler_and_is_reported_as_DeadlineExceeded()
    {
        _ = Serve(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return [];
        });

        var deadline = DateTimeOffset.UtcNow.Add(LambdaLoop.DeadlineMargin).AddMilliseconds(300).ToUnixTimeMilliseconds();
        var error = await _api.Invoke("{}", deadline);

        Assert.Equal("DeadlineExceeded", error.ErrorType);
    }

    [Fact]
    public async Task The_trace_id_is_set_for_the_handler_as_the_managed_runtime_would()
    {
        _ = Serve((_, _) => Task.FromResult(Encoding.UTF8.GetBytes($"\"{Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID")}\"")));

        var reply = await _api.Invoke("{}", traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");

        Assert.Equal("\"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\"", reply.Body);
    }

    [Fact]
    public async Task A_function_that_cannot_start_reports_an_init_error_and_exits()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "S3AuditFlow.Functions.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = _api.Address;
        start.Environment["S3AUDIT_STEP"] = "NoSuchStep";
        using var process = Process.Start(start)!;

        var body = JsonDocument.Parse(await _api.InitError).RootElement;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("InvalidOperationException", body.GetProperty("errorType").GetString());
        Assert.Contains("S3AUDIT_STEP \"NoSuchStep\"", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, process.ExitCode);
        Assert.Equal("InvalidOperationException", JsonDocument.Parse(await process.StandardError.ReadToEndAsync()).RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task A_Runtime_API_that_cannot_be_reached_is_logged_as_one_JSON_line_and_the_function_exits()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "S3AuditFlow.Functions.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{closedPort}";
        start.Environment["S3AUDIT_STEP"] = "ParseEvent";
        start.Environment["AWS_REGION"] = "eu-west-1";
        using var process = Process.Start(start)!;

        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, process.ExitCode);
        var line = JsonDocument.Parse(Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.Equal(typeof(HttpRequestException).FullName, line.GetProperty("exceptionType").GetString());
        Assert.NotEmpty(line.GetProperty("stackTrace").EnumerateArray());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _api.Dispose();
        _http.Dispose();
        _stderr.Dispose();
        _stop.Dispose();
    }
}
