using System.Net;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// An HTTP forwarder on 127.0.0.1 in front of a real server (moto_server) that records each request's method and
/// path with query, so a test can assert what a client asked for. It only counts: what passes is forwarded
/// unchanged, except where a test asks it to cut a response body short or to refuse a path.
/// </summary>
public sealed class RecordingProxy : IDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Expect", "Proxy-Connection", "Upgrade",
    };

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
    private readonly string _target;
    private readonly List<string> _requests = [];
    private readonly Task _loop;

    /// <summary>Forwards to <paramref name="target"/> (http://host:port).</summary>
    public RecordingProxy(string target)
    {
        _target = target.TrimEnd('/');
        var port = MotoServer.FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT of the proxy.</summary>
    public string Endpoint { get; }

    /// <summary>A GET whose path matches is answered with the first half of its body, then the connection is cut.</summary>
    public Func<string, bool> CutBody { get; set; } = _ => false;

    /// <summary>A GET whose path matches is refused: 403 AccessDenied, as S3 answers without permission.</summary>
    public Func<string, bool> Refuse { get; set; } = _ => false;

    /// <summary>"GET /bucket/key?query", in the order received.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    /// <summary>Paths of the objects read (GETs without a query), URL-decoded, without the leading "/bucket/".</summary>
    public IReadOnlyList<string> ObjectsRead(string bucket) =>
        [.. Requests.Where(r => r.StartsWith($"GET /{bucket}/", StringComparison.Ordinal) && !r.Contains('?', StringComparison.Ordinal))
            .Select(r => Uri.UnescapeDataString(r[$"GET /{bucket}/".Length..]))];

    /// <summary>The prefix of each ListObjectsV2 request on <paramref name="bucket"/>, with whether it used a delimiter.</summary>
    public IReadOnlyList<(string Prefix, bool Delimited)> Listings(string bucket) =>
        [.. Requests.Where(r => r.StartsWith($"GET /{bucket}", StringComparison.Ordinal) && r.Contains("list-type=2", StringComparison.Ordinal))
            .Select(r => System.Web.HttpUtility.ParseQueryString(r[(r.IndexOf('?', StringComparison.Ordinal) + 1)..]))
            .Select(q => (q["prefix"] ?? "", q["delimiter"] is not null))];

    /// <summary>Forgets what was recorded.</summary>
    public void Clear()
    {
        lock (_requests)
            _requests.Clear();
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
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
            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var pathAndQuery = request.RawUrl ?? "/";
        lock (_requests)
            _requests.Add($"{request.HttpMethod} {pathAndQuery}");
        try
        {
            var path = pathAndQuery.Split('?')[0];
            if (request.HttpMethod == "GET" && Refuse(path))
            {
                response.StatusCode = 403;
                var error = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"u8.ToArray();
                response.ContentType = "application/xml";
                response.ContentLength64 = error.Length;
                await response.OutputStream.WriteAsync(error);
                response.Close();
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), _target + pathAndQuery);
            if (request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                forward.Content = new ByteArrayContent(body.ToArray());
            }
            foreach (var name in request.Headers.AllKeys.OfType<string>().Where(n => !HopHeaders.Contains(n)))
            {
                var values = request.Headers.GetValues(name) ?? [];
                if (!forward.Headers.TryAddWithoutValidation(name, values))
                    forward.Content?.Headers.TryAddWithoutValidation(name, values);
            }

            using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await answer.Content.ReadAsByteArrayAsync();
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers).Where(h => !HopHeaders.Contains(h.Key)))
            {
                foreach (var value in values)
                {
                    try
                    {
                        response.AppendHeader(name, value);
                    }
                    catch (ArgumentException)
                    {
                        // A header HttpListener sets itself (Date, Server): its own value stands.
                    }
                }
            }
            response.ContentLength64 = bytes.Length;
            if (request.HttpMethod == "HEAD")
            {
                response.Close();
                return;
            }
            if (request.HttpMethod == "GET" && CutBody(path) && bytes.Length > 1)
            {
                await response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await response.OutputStream.FlushAsync();
                response.Abort();
                return;
            }
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            response.Abort();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _loop.Wait(TimeSpan.FromSeconds(5));
        _upstream.Dispose();
    }
}
