using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.SQS;
using S3AuditFlow.Aws;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// A real moto_server (the Python AWS emulator; here for SQS and S3) on 127.0.0.1 with a free port, stopped on dispose.
/// It is preinstalled on the project's machines, not installable from the package registries the project
/// uses, so tests that need it are skipped where it is absent (<see cref="MotoFactAttribute"/>).
/// </summary>
public sealed class MotoServer : IDisposable
{
    private const string Executable = "moto_server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Endpoint { get; }

    private MotoServer(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>True when moto_server is on PATH.</summary>
    public static bool IsInstalled { get; } = FindOnPath() is not null;

    /// <summary>Where the CLI and clients should point.</summary>
    public AwsTarget Target => new(Region: "us-east-1", EndpointUrl: Endpoint);

    /// <summary>A client with the project's retry settings.</summary>
    public AmazonSQSClient Sqs() => Target.CreateSqs();

    /// <summary>An S3 client as scan makes it (path-style addressing).</summary>
    public AmazonS3Client S3() => Target.CreateS3();

    /// <summary>Starts a server and waits until it answers HTTP.</summary>
    public static MotoServer Start()
    {
        var path = FindOnPath() ?? throw new InvalidOperationException($"{Executable} is not on PATH");
        var port = FreePort();
        var start = new ProcessStartInfo(path)
        {
            ArgumentList = { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
        // moto logs every request; the pipes are drained so it never blocks on a full one, and the tail kept for errors.
        var log = new Queue<string>();
        void Keep(object? _, DataReceivedEventArgs line)
        {
            lock (log)
            {
                if (line.Data is null)
                    return;
                log.Enqueue(line.Data);
                if (log.Count > 20)
                    log.Dequeue();
            }
        }
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new MotoServer(process, $"http://127.0.0.1:{port}");
        if (server.WaitUntilAnswering())
            return server;
        server.Dispose();
        lock (log)
            throw new InvalidOperationException($"{Executable} did not answer on port {port} within {StartTimeout.TotalSeconds} s: {string.Join('\n', log)}");
    }

    private bool WaitUntilAnswering()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout && !_process.HasExited)
        {
            try
            {
                // Any HTTP answer will do: it means the server accepts requests.
                using var response = http.GetAsync(Endpoint + "/moto-api/").GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Thread.Sleep(100);
            }
        }
        return false;
    }

    /// <summary>A port nobody listens on now; the OS picks it, so parallel test runs do not collide.</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string? FindOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, Executable))
            .FirstOrDefault(File.Exists);

    /// <inheritdoc />
    public void Dispose()
    {
        // moto_server may be a launcher (e.g. a pyenv shim) around the Python process: the whole tree is stopped.
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

/// <summary>A test that runs against a real moto_server: reported as skipped, not passed, where moto_server is not installed.</summary>
public sealed class MotoFactAttribute : Xunit.FactAttribute
{
    /// <summary>Why a moto test is skipped.</summary>
    public const string NotInstalled = "moto_server is not on PATH (it is preinstalled on the project's machines; pip install 'moto[server]' elsewhere)";

    /// <summary>Sets Skip when moto_server is not on PATH.</summary>
    public MotoFactAttribute()
    {
        if (!MotoServer.IsInstalled)
            Skip = NotInstalled;
    }
}

/// <summary>A theory that runs against a real moto_server: reported as skipped where moto_server is not installed.</summary>
public sealed class MotoTheoryAttribute : Xunit.TheoryAttribute
{
    /// <summary>Sets Skip when moto_server is not on PATH.</summary>
    public MotoTheoryAttribute()
    {
        if (!MotoServer.IsInstalled)
            Skip = MotoFactAttribute.NotInstalled;
    }
}
