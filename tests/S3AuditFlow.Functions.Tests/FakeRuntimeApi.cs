using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace S3AuditFlow.Functions.Tests;

/// <summary>What the function posted back for one invocation, with the headers Lambda reads from it.</summary>
public sealed record RuntimeReply(bool IsError, string Body, string? ErrorType, string? XRayErrorCause = null, string? UserAgent = null);

/// <summary>
/// A Lambda Runtime API on 127.0.0.1 (HttpListener). The Lambda service cannot run here, so this is the one
/// stand-in: it hands out queued invocations on GET /next and records what comes back.
/// </summary>
public sealed class FakeRuntimeApi : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<(string Id, string Payload, long? DeadlineMs, string? TraceId)> _queue = Channel.CreateUnbounded<(string, string, long?, string?)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RuntimeReply>> _replies = new();
    private readonly TaskCompletionSource<string> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string?> _nextUserAgents = new();
    private int _counter;

    /// <summary>host:port, as AWS_LAMBDA_RUNTIME_API gives it.</summary>
    public string Address { get; }

    public FakeRuntimeApi()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Address = $"127.0.0.1:{port}";
        _listener.Prefixes.Add($"http://{Address}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>Queues one invocation; the task completes when the function responds or reports an error.</summary>
    public Task<RuntimeReply> Invoke(string payload, long? deadlineMs = null, string? traceId = null)
    {
        var id = $"request-{Interlocked.Increment(ref _counter)}";
        var reply = new TaskCompletionSource<RuntimeReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[id] = reply;
        _queue.Writer.TryWrite((id, payload, deadlineMs ?? DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds(), traceId));
        return reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The User-Agent of every GET /next so far.</summary>
    public IReadOnlyCollection<string?> NextUserAgents => _nextUserAgents;

    /// <summary>Invocations queued and not yet handed out.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>The body of POST /runtime/init/error, when the function reports a failed start.</summary>
    public Task<string> InitError => _initError.Task.WaitAsync(TimeSpan.FromSeconds(60));

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        try
        {
            if (context.Request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
            {
                _nextUserAgents.Enqueue(context.Request.UserAgent);
                var (id, payload, deadline, trace) = await _queue.Reader.ReadAsync(_stop.Token);
                response.Headers["Lambda-Runtime-Aws-Request-Id"] = id;
                if (deadline is not null)
                    response.Headers["Lambda-Runtime-Deadline-Ms"] = deadline.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (trace is not null)
                    response.Headers["Lambda-Runtime-Trace-Id"] = trace;
                await Write(response, 200, payload);
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var parts = path.Split('/');
            if (context.Request.HttpMethod == "POST" && path == "/2018-06-01/runtime/init/error")
            {
                _initError.TrySetResult(body);
                await Write(response, 202, "");
                return;
            }
            // /2018-06-01/runtime/invocation/{id}/response|error
            if (context.Request.HttpMethod == "POST" && parts.Length == 6 && _replies.TryRemove(parts[4], out var reply))
            {
                await Write(response, 202, "");
                var userAgent = context.Request.UserAgent;
                reply.TrySetResult(parts[5] == "error"
                    ? new RuntimeReply(true, body, context.Request.Headers["Lambda-Runtime-Function-Error-Type"], context.Request.Headers["Lambda-Runtime-Function-XRay-Error-Cause"], userAgent)
                    : new RuntimeReply(false, body, null, null, userAgent));
                return;
            }
            await Write(response, 404, "");
        }
        catch (OperationCanceledException)
        {
            response.Abort();
        }
    }

    private static async Task Write(HttpListenerResponse response, int status, string body)
    {
        response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}
