using System.Globalization;
using System.Net.Http.Headers;

namespace S3AuditFlow.Functions.Runtime;

/// <summary>One invocation handed out by the Lambda Runtime API.</summary>
/// <param name="Deadline">When Lambda will stop the function; null when the header is missing.</param>
public sealed record Invocation(string RequestId, byte[] Payload, DateTimeOffset? Deadline, string? TraceId);

/// <summary>
/// The Lambda Runtime API, spoken directly over HTTP:
/// GET /2018-06-01/runtime/invocation/next, POST …/{id}/response, POST …/{id}/error, POST /2018-06-01/runtime/init/error.
/// </summary>
public sealed class RuntimeApiClient(HttpClient http, string runtimeApi)
{
    private const string Version = "2018-06-01";

    private string Url(string path) => $"http://{runtimeApi}/{Version}/runtime/{path}";

    /// <summary>
    /// Sent on every Runtime API call, as AWS's runtime clients identify themselves: which runtime a request came from
    /// in Lambda's own diagnostics.
    /// </summary>
    public static readonly string UserAgent =
        $"s3auditflow-runtime/{typeof(RuntimeApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"} (.NET {Environment.Version})";

    /// <summary>Waits for the next invocation (long poll; the client must have no timeout).</summary>
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, "invocation/next");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id") ?? throw new InvalidOperationException("next invocation without Lambda-Runtime-Aws-Request-Id");
        DateTimeOffset? deadline = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new Invocation(requestId, payload, deadline, Header(response, "Lambda-Runtime-Trace-Id"));
    }

    /// <summary>Returns a handler's result.</summary>
    public async Task RespondAsync(string requestId, byte[] body, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, $"invocation/{requestId}/response");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Reports a handler failure: Step Functions matches Retry and Catch on the error type; the body carries the
    /// message and stack, the X-Ray header the same for the trace (the functions run with active tracing).
    /// </summary>
    public Task ErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{requestId}/error", error, cancellationToken);

    /// <summary>Reports that the function could not start; Lambda then fails the invocation without running it.</summary>
    public Task InitErrorAsync(RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", error, cancellationToken);

    private async Task PostErrorAsync(string path, RuntimeError error, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(error.ToBody());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Lambda-Runtime-Function-Error-Type", error.ErrorType);
        request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-XRay-Error-Cause", error.ToXRayCause());
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, Url(path));
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
