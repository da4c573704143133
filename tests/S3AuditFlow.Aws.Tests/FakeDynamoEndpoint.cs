using System.Net;
using System.Net.Sockets;
using System.Text;

namespace S3AuditFlow.Aws.Tests;

/// <summary>
/// A plain HTTP endpoint on 127.0.0.1 that answers every DynamoDB call as the test says and records each one.
/// Only the retry-budget tests use it: dynalite cannot throttle or fail with a 5xx.
/// </summary>
internal sealed class FakeDynamoEndpoint : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<string, int, (int Status, string Body, string? ErrorType)> _respond;
    private readonly List<(string Operation, string Body)> _requests = [];
    private readonly Task _serving;

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Url { get; }

    private FakeDynamoEndpoint(HttpListener listener, string url, Func<string, int, (int, string, string?)> respond)
    {
        _listener = listener;
        Url = url;
        _respond = respond;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Every call so far: the operation (from X-Amz-Target, e.g. "Query") and the JSON body.</summary>
    public IReadOnlyList<(string Operation, string Body)> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    /// <summary>
    /// Listens on a free port. <paramref name="respond"/> gets the operation and how many calls of it came before,
    /// and gives the status, the body and the x-amzn-ErrorType header (or null).
    /// </summary>
    public static FakeDynamoEndpoint Start(Func<string, int, (int Status, string Body, string? ErrorType)> respond)
    {
        for (var attempt = 0; ; attempt++)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var listener = new HttpListener();
            listener.Prefixes.Add(url + "/");
            try
            {
                listener.Start();
                return new FakeDynamoEndpoint(listener, url, respond);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between probing and listening: try another.
                listener.Close();
            }
        }
    }

    /// <summary>Answers every call with HTTP 500 InternalServerError.</summary>
    public static (int, string, string?) ServerError() =>
        (500, """{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}""", "InternalServerError");

    /// <summary>Answers like DynamoDB when it throttles a request.</summary>
    public static (int, string, string?) Throttling() =>
        (400, """{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}""", "ThrottlingException");

    /// <summary>An empty success, enough for PutItem and DeleteItem.</summary>
    public static (int, string, string?) Ok() => (200, "{}", null);

    public int Count(string operation) => Requests.Count(r => r.Operation == operation);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by the listener closing under it.
        }
    }

    private async Task ServeAsync()
    {
        while (true)
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
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var target = context.Request.Headers["X-Amz-Target"] ?? "";
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            int before;
            lock (_requests)
            {
                before = _requests.Count(r => r.Operation == operation);
                _requests.Add((operation, body));
            }
            var (status, answer, errorType) = _respond(operation, before);
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            if (errorType is not null)
                context.Response.Headers["x-amzn-ErrorType"] = errorType;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
