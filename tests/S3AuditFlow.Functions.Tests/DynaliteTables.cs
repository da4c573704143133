using S3AuditFlow.Aws;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>A real dynalite with the seed's allowlist and rules in a config table, and an empty dedup table.</summary>
public sealed class DynaliteTables : IAsyncLifetime, IDisposable
{
    public DynaliteServer Server { get; } = DynaliteServer.Start();
    public string ConfigTable { get; private set; } = "";
    public string DedupTable { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConfigTable = await Server.CreateConfigTableAsync();
        DedupTable = await Server.CreateDedupTableAsync();
        using var client = Server.Client();
        await new DynamoConfigStore(client, ConfigTable).PutAsync(
            [new AllowlistEntry(EntryKind.Source, "54.153.44.90"), new AllowlistEntry(EntryKind.Principal, "role_with_permissions")],
            [new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical), new SensitivityRule(RuleKind.Keyword, "secret")]);
    }

    /// <summary>The cached config source a step gets in production, pointed at this server.</summary>
    public CachedConfigSource ConfigSource(DynaliteServer? server = null) =>
        new(new DynamoConfigStore((server ?? Server).Client(), ConfigTable), TimeProvider.System);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Server.Dispose();
}
