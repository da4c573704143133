namespace S3AuditFlow.TestSupport;

/// <summary>
/// One moto_server shared by a test class, started on first use: xunit builds class fixtures even when every test
/// of the class is skipped, so a machine without moto_server must not fail here.
/// </summary>
public sealed class MotoFixture : IDisposable
{
    private readonly Lazy<MotoServer> _moto = new(MotoServer.Start);

    /// <summary>The server, started by the first test that asks.</summary>
    public MotoServer Moto => _moto.Value;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_moto.IsValueCreated)
            _moto.Value.Dispose();
    }
}
