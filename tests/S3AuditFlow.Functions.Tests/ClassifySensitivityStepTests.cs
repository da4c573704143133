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
}
