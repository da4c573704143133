using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Input;

/// <summary>
/// Lone UTF-16 surrogates and invalid UTF-8 in a record (fuzzer reproducers, kept as fixtures): read with U+FFFD,
/// never a crash (a property name crashed the whole scan) and never "could not evaluate" (any value dropped the record).
/// </summary>
public class UndecodableTextTests
{
    public static readonly TheoryData<string> Reproducers =
    [
        "record-GetObject-lone-surrogate-key.json",
        "record-GetObject-lone-surrogate-property-name.json",
        "record-GetObject-reversed-surrogates-user-name.json",
        "record-GetObject-invalid-utf8-user-agent.json",
        "record-GetObject-stringified-lone-surrogate-key.json",
    ];

    private static readonly ScanEngine Engine = new(AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder")]));

    [Theory]
    [MemberData(nameof(Reproducers))]
    public void EveryStringAndPropertyNameDecodes(string fixture)
    {
        var item = Assert.Single(ReadItem.ReadAll(File.OpenRead(Fixtures.CloudTrail(fixture))));

        Assert.Null(item.Error);
        DecodeAll(Fixtures.Parse(item.Json!));
    }

    [Theory]
    [MemberData(nameof(Reproducers))]
    public void EachReproducerAlertsLikeTheRecordItCameFrom(string fixture)
    {
        var result = Engine.Scan([ScanInput.FromFile(Fixtures.CloudTrail(fixture))], new ScanOptions(KeepVerdicts: true));

        Assert.Empty(result.Errors);
        Assert.Equal(Verdict.Alert, Assert.Single(result.Verdicts!).Verdict);
    }

    [Fact]
    public void ALoneSurrogateBecomesTheReplacementCharacter()
    {
        var result = Engine.Scan([ScanInput.FromFile(Fixtures.CloudTrail("record-GetObject-lone-surrogate-key.json")),
            ScanInput.FromFile(Fixtures.CloudTrail("record-GetObject-stringified-lone-surrogate-key.json"))]);

        // Both decode to the same key, so the second repeats the first.
        Assert.Equal("exports/2024/cardholder-\uFFFD.csv", Assert.Single(result.Alerts).Candidate.Access.Key);
        Assert.Equal(1, result.Count(Verdict.Duplicate));
    }

    [Fact]
    public void InvalidUtf8BecomesReplacementCharacters()
    {
        var result = Engine.Scan([ScanInput.FromFile(Fixtures.CloudTrail("record-GetObject-invalid-utf8-user-agent.json"))]);

        Assert.StartsWith("aws-cli/2.17.60 \uFFFD", Assert.Single(result.Alerts).Candidate.Access.Source.UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public void AParserGivenUnrepairedTextReportsTheRecordMalformedInsteadOfThrowing()
    {
        // The Lambda step parses EventBridge's JSON itself, without the reader's repair.
        var record = Fixtures.Parse(File.ReadAllText(Fixtures.CloudTrail("record-GetObject-lone-surrogate-key.json")));

        var result = Fixtures.DefaultParser().Parse(record);

        Assert.Equal(Verdict.Malformed, result.Final);
        Assert.StartsWith("record holds text that is not valid UTF-8 or UTF-16", result.Reason, StringComparison.Ordinal);
    }

    private static void DecodeAll(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeAll(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    DecodeAll(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
