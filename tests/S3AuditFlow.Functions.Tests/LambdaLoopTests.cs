using System.Diagnostics;
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

    private Task Serve(InvocationHandler handler) =>
        Task.Run(() => LambdaLoop.RunAsync(new RuntimeApiClient(_http, _api.Address), handler, TimeProvider.System, _stop.Token));

    [Fact]
    public async Task Serves_several_invocations_in_one_process_and_posts_each_response()
    {
        var served = Serve((payload, _) => Task.FromResult(Encoding.UTF8.GetBytes($"{{\"echo\":{Encoding.UTF8.GetString(payload)}}}")));

        var replies = new List<RuntimeReply>();
        for (var i = 0; i < 3; i++)
            replies.Add(await _api.Invoke($"{i}"));

        Assert.Equal(["{\"echo\":0}", "{\"echo\":1}", "{\"echo\":2}"], replies.Select(r => r.Body));
        Assert.All(replies, r => Assert.False(r.IsError));
        Assert.False(served.IsFaulted);
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
    }

    public void Dispose()
    {
        _stop.Cancel();
        _api.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
