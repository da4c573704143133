using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

/// <summary>One dynalite shared by the tests of a collection; each test makes its own tables.</summary>
public sealed class DynaliteFixture : IDisposable
{
    public DynaliteServer Server { get; } = DynaliteServer.Start();

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DynaliteCollection : ICollectionFixture<DynaliteFixture>
{
    public const string Name = "dynalite";
}
