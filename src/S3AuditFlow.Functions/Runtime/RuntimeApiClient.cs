using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

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

    /// <summary>Waits for the next invocation (long poll; the client must have no timeout).</summary>
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(Url("invocation/next"), cancellationToken).ConfigureAwait(false);
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
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(Url($"invocation/{requestId}/response"), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Reports a handler failure; Step Functions matches Retry and Catch on <paramref name="errorType"/>.</summary>
    public Task ErrorAsync(string requestId, string errorType, string message, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{requestId}/error", errorType, message, cancellationToken);

    /// <summary>Reports that the function could not start; Lambda then fails the invocation without running it.</summary>
    public Task InitErrorAsync(string errorType, string message, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", errorType, message, cancellationToken);

    private async Task PostErrorAsync(string path, string errorType, string message, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("errorMessage", message);
            writer.WriteString("errorType", errorType);
            writer.WriteStartArray("stackTrace");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        using var content = new StringContent(Encoding.UTF8.GetString(body.ToArray()), Encoding.UTF8, "application/json");
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", errorType);
        using var response = await http.PostAsync(Url(path), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
