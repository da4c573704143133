using System.Text.Json;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Classify Sensitivity against the rules in a real dynalite.</summary>
public class ClassifySensitivityStepTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private async Task<ClassifySensitivityResult> Classify(string key)
    {
        var parsed = await StepEvents.ParseAsync(StepEvents.Record("e1", key));
        var output = await new ClassifySensitivityStep(tables.ConfigSource()).HandleAsync(StepEvents.AccessRequest(parsed), CancellationToken.None);
        return JsonSerializer.Deserialize(output, StepJsonContext.Default.ClassifySensitivityResult)!;
    }

    [Fact]
    public async Task A_key_matching_a_rule_gets_its_level_and_rule()
    {
        var result = await Classify("exports/CardHolder_data.csv");

        Assert.True(result.Sensitive);
        Assert.Equal(SensitivityLevel.Critical, result.Classification!.Level);
        Assert.Equal("cardholder", result.Classification.Rule.Value);
        Assert.Equal("cg-cardholder-data-bucket-cgidlulwjvrwio/exports/CardHolder_data.csv matches keyword \"cardholder\" (critical)", result.Reason);
    }

    [Fact]
    public async Task A_key_matching_no_rule_is_not_sensitive()
    {
        var result = await Classify("goat.png");

        Assert.False(result.Sensitive);
        Assert.Null(result.Classification);
    }

    [Fact]
    public async Task The_classification_document_serializes_levels_and_kinds_by_name()
    {
        var parsed = await StepEvents.ParseAsync(StepEvents.Record("e1", "secret.txt"));
        var output = await new ClassifySensitivityStep(tables.ConfigSource()).HandleAsync(StepEvents.AccessRequest(parsed), CancellationToken.None);

        var classification = JsonDocument.Parse(output).RootElement.GetProperty("classification");
        Assert.Equal("High", classification.GetProperty("level").GetString());
        Assert.Equal("Keyword", classification.GetProperty("rule").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_copy_destination_is_classified_by_its_own_buckets_rules_as_scan_does()
    {
        using (var client = tables.Server.Client())
            await new Aws.DynamoConfigStore(client, tables.ConfigTable).PutAsync([], [new SensitivityRule(RuleKind.Prefix, "vault/", SensitivityLevel.Low, "archive-bucket")]);
        var record = StepEvents.Record("copy-1", "vault/goat.png", eventName: "CopyObject");
        record["requestParameters"]!["bucketName"] = "archive-bucket";
        record["requestParameters"]!["x-amz-copy-source"] = $"{StepEvents.Bucket}/goat.png";
        var parsed = await StepEvents.ParseAsync(record);

        var output = await new ClassifySensitivityStep(tables.ConfigSource()).HandleAsync(StepEvents.AccessRequest(parsed), CancellationToken.None);

        var result = JsonSerializer.Deserialize(output, StepJsonContext.Default.ClassifySensitivityResult)!;
        Assert.True(result.Sensitive);
        Assert.Equal("archive-bucket", result.Classification!.Object.Bucket);
        Assert.Equal(SensitivityLevel.Low, result.Classification.Level);
    }

    [Fact]
    public async Task A_rule_item_that_does_not_parse_fails_the_step_with_a_typed_error_and_the_allowlist_still_answers()
    {
        // Its own table: the item would fail every other test of the shared one.
        var table = await tables.Server.CreateConfigTableAsync();
        using var client = tables.Server.Client();
        await new Aws.DynamoConfigStore(client, table).PutAsync(
            [new Core.Trust.AllowlistEntry(Core.Trust.EntryKind.Source, "54.153.44.90"), new Core.Trust.AllowlistEntry(Core.Trust.EntryKind.Principal, "role_with_permissions")],
            [new SensitivityRule(RuleKind.Keyword, "secret")]);
        await client.PutItemAsync(table, new()
        {
            ["scope"] = new("global"), ["entry"] = new("rule#keyword#cardholder"), ["level"] = new("Critical "),
        });
        var source = new Core.Stores.CachedConfigSource(new Aws.DynamoConfigStore(client, table), TimeProvider.System);
        var request = StepEvents.AccessRequest(await StepEvents.ParseAsync(StepEvents.Record("e1", "exports/cardholder.csv", role: "role_with_permissions", ip: "54.153.44.90")));

        var error = await Assert.ThrowsAsync<StepFailedException>(() => new ClassifySensitivityStep(source).HandleAsync(request, CancellationToken.None));
        var trusted = await new CheckAllowlistStep(source).HandleAsync(request, CancellationToken.None);

        Assert.Equal("UnusableRuleException", error.ErrorType);
        Assert.Contains("global / rule#keyword#cardholder", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown level \"Critical \"", error.Message, StringComparison.Ordinal);
        Assert.True(JsonSerializer.Deserialize(trusted, StepJsonContext.Default.CheckAllowlistResult)!.Trusted);
    }
}
