using System.Text.Json;
using S3AuditFlow.Functions.Steps;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Check Allowlist against the config table in a real dynalite.</summary>
public class CheckAllowlistStepTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private async Task<CheckAllowlistResult> Check(System.Text.Json.Nodes.JsonObject record, CheckAllowlistStep? step = null)
    {
        var parsed = await StepEvents.ParseAsync(record);
        var output = await (step ?? new CheckAllowlistStep(tables.ConfigSource())).HandleAsync(StepEvents.AccessRequest(parsed), CancellationToken.None);
        return JsonSerializer.Deserialize(output, StepJsonContext.Default.CheckAllowlistResult)!;
    }

    [Fact]
    public async Task The_allowlisted_role_from_the_allowlisted_ip_is_trusted()
    {
        var result = await Check(StepEvents.Record("e1", "cardholder.csv", role: "role_with_permissions", ip: "54.153.44.90"));

        Assert.True(result.Trusted);
        Assert.Equal("principal role/role_with_permissions and source 54.153.44.90 allowlisted", result.Reason);
    }

    [Theory]
    [InlineData("role_with_permissions", "54.177.149.226", "source 54.177.149.226 not allowlisted")]
    [InlineData("cg-banking-WAF-Role", "54.153.44.90", "principal role/cg-banking-WAF-Role not allowlisted")]
    public async Task Half_trusted_is_not_trusted(string role, string ip, string reason)
    {
        var result = await Check(StepEvents.Record("e1", "cardholder.csv", role: role, ip: ip));

        Assert.False(result.Trusted);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public async Task An_unreachable_table_fails_the_step_naming_the_event_never_trusting_it()
    {
        using var stopped = DynaliteServer.Start();
        var step = new CheckAllowlistStep(tables.ConfigSource(stopped));
        stopped.Stop();

        var error = await Assert.ThrowsAsync<StepFailedException>(() => Check(StepEvents.Record("e9", "cardholder.csv", role: "role_with_permissions", ip: "54.153.44.90"), step));

        Assert.Equal("StoreUnavailableException", error.ErrorType);
        Assert.StartsWith("event e9 (GetObject s3://cg-cardholder-data-bucket-cgidlulwjvrwio/cardholder.csv by role/role_with_permissions from 54.153.44.90): ", error.Message, StringComparison.Ordinal);
    }
}
