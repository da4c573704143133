using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Aws.Tests;

[Collection(DynaliteCollection.Name)]
public class DynaliteSmokeTests(DynaliteFixture dynalite)
{
    [Fact]
    public async Task Items_written_to_a_scope_are_read_back_by_one_query()
    {
        var table = await dynalite.Server.CreateConfigTableAsync();
        using var client = dynalite.Server.Client();
        var store = new DynamoConfigStore(client, table);
        await store.PutAsync([new AllowlistEntry(EntryKind.Source, "10.0.0.0/8", Bucket: "bucket-1", Note: "vpc")], [new SensitivityRule(RuleKind.Glob, "**/*.pem", SensitivityLevel.Critical)]);

        var global = await store.LoadScopeAsync(ConfigScope.Global);
        var bucket = await store.LoadScopeAsync(ConfigScope.ForBucket("bucket-1"));

        Assert.Equal("**/*.pem", Assert.Single(global.Rules).Value);
        Assert.Empty(global.Entries);
        var entry = Assert.Single(bucket.Entries);
        Assert.Equal(("10.0.0.0/8", "bucket-1", "vpc"), (entry.Value, entry.Bucket, entry.Note));
    }
}
