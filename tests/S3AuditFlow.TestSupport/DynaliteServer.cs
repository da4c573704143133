using System.Diagnostics;
using Amazon.DynamoDBv2;
using S3AuditFlow.Aws;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// A real dynalite (DynamoDB-compatible, in memory) on 127.0.0.1 with a free port, started from
/// tests/node/dynalite-server.js and stopped on dispose. Nothing in the DynamoDB tests is mocked.
/// </summary>
public sealed class DynaliteServer : IDisposable
{
    private readonly Process _process;

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Endpoint { get; }

    private DynaliteServer(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>Starts a server and waits until it listens.</summary>
    public static DynaliteServer Start()
    {
        var start = new ProcessStartInfo(RepoPaths.Node)
        {
            ArgumentList = { Path.Combine(RepoPaths.NodeTools, "dynalite-server.js") },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.NodeTools,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"dynalite did not start: {line} {process.StandardError.ReadToEnd()}");
        }
        return new DynaliteServer(process, "http://127.0.0.1:" + line["listening ".Length..].Trim());
    }

    /// <summary>Where the CLI and stores should point.</summary>
    public AwsTarget Target => new(Region: "us-east-1", EndpointUrl: Endpoint);

    /// <summary>A client with the project's retry settings.</summary>
    public AmazonDynamoDBClient Client() => Target.CreateDynamoDb();

    /// <summary>Creates the config table under a fresh name.</summary>
    public async Task<string> CreateConfigTableAsync(string prefix = "config")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        using var client = Client();
        await DynamoTables.CreateAndWaitAsync(client, DynamoTables.ConfigTable(name));
        return name;
    }

    /// <summary>Creates the dedup table under a fresh name.</summary>
    public async Task<string> CreateDedupTableAsync(string prefix = "dedup")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        using var client = Client();
        await DynamoTables.CreateAndWaitAsync(client, DynamoTables.DedupTable(name));
        return name;
    }

    /// <summary>Stops the server now (for outage tests).</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}
