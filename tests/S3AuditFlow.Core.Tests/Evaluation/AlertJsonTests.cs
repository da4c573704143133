using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Evaluation;

public class AlertJsonTests
{
    private static readonly AccessEvaluator Evaluator = new(AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical, "acme-finance-exports")]));

    private static JsonElement Write(string fixture, int duplicates)
    {
        var candidate = Evaluator.Evaluate(Fixtures.Element(fixture)).Candidate!;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            AlertJson.Write(writer, candidate, duplicates);
        return Fixtures.Parse(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void FailedReadIsWrittenWithOutcomeErrorAndLoweredSeverity()
    {
        var alert = Write("record-GetObject-access-denied.json", duplicates: 3);

        Assert.Equal("bf2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c", alert.GetProperty("eventId").GetString());
        Assert.Equal("2024-11-05T14:03:12Z", alert.GetProperty("time").GetString());
        Assert.Equal("high", alert.GetProperty("severity").GetString());
        Assert.Equal("failed: AccessDenied", alert.GetProperty("outcome").GetString());
        Assert.Equal("Access Denied", alert.GetProperty("errorMessage").GetString());
        Assert.Equal(243, alert.GetProperty("bytesTransferredOut").GetInt64());
        Assert.Equal(3, alert.GetProperty("duplicates").GetInt32());
        Assert.Equal("temp-user", alert.GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal("84.32.71.33", alert.GetProperty("source").GetProperty("ip").GetString());
        Assert.Equal("critical", alert.GetProperty("matchedRule").GetProperty("level").GetString());
        Assert.Equal("acme-finance-exports", alert.GetProperty("matchedRule").GetProperty("bucket").GetString());
        Assert.Equal("request failed (AccessDenied): severity lowered one level", alert.GetProperty("reasons").EnumerateArray().Last().GetString());
        Assert.False(alert.TryGetProperty("copyDestination", out _));
    }

    [Fact]
    public void CopyIsWrittenWithItsSourceAsTheObjectAndItsDestination()
    {
        var alert = Write("record-UploadPartCopy-encoded-copy-source.json", duplicates: 0);

        Assert.Equal("acme-finance-exports", alert.GetProperty("bucket").GetString());
        Assert.Equal("exports/2024/cardholder data?q4.csv", alert.GetProperty("key").GetString());
        Assert.Equal("acme-backup-staging", alert.GetProperty("copyDestination").GetProperty("bucket").GetString());
        Assert.Equal("nightly-copy", alert.GetProperty("principal").GetProperty("sessionName").GetString());
        Assert.False(alert.TryGetProperty("errorMessage", out _));
    }

    [Fact]
    public void NonIpSourceIsWrittenAsAName()
    {
        var rules = new SensitivityRule(RuleKind.Keyword, "cardholder");
        var candidate = new AccessEvaluator(AuditConfig.Create([], [rules])).Evaluate(Fixtures.Element("record-GetObject-service-name-source.json")).Candidate!;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            AlertJson.Write(writer, candidate, 0);

        var source = Fixtures.Parse(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).GetProperty("source");

        Assert.Equal("athena.amazonaws.com", source.GetProperty("name").GetString());
        Assert.False(source.TryGetProperty("ip", out _));
    }
}
