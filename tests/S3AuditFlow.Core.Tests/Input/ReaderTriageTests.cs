using System.Text;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Input;

/// <summary>
/// scan decides most records from their top-level fields while finding their end, without building a document
/// (<see cref="JsonRecordReader"/> with a triage). Each record must get the verdict, reason and event ID the whole
/// parse gives it; the tests also check which records took the short path, so they cannot pass by never taking it.
/// </summary>
public class ReaderTriageTests
{
    private static readonly AccessEvaluator Evaluator = new(AuditConfig.Create([], []));

    /// <summary>(verdict or "candidate", reason, event ID, triaged) for each record, read with the triage.</summary>
    private static List<(string Outcome, string Reason, string? EventId, bool Triaged)> WithTriage(byte[] input) => Read(input, Evaluator.Triage);

    /// <summary>The same, with every record parsed whole.</summary>
    private static List<(string Outcome, string Reason, string? EventId)> Whole(byte[] input) =>
        [.. Read(input, triage: null).Select(r => (r.Outcome, r.Reason, r.EventId))];

    private static List<(string Outcome, string Reason, string? EventId, bool Triaged)> Read(byte[] input, Func<TopLevelFields, ParseResult?>? triage)
    {
        using var reader = new JsonRecordReader(new MemoryStream(input), triage);
        return reader.Read().Select(record =>
        {
            Assert.False(record.IsError, record.Error);
            var result = record.Triaged is { } triaged ? EvaluationResult.Decided(triaged) : Evaluator.Evaluate(record.Element);
            return (Outcome(result), result.Reason, result.EventId, record.Triaged is not null);
        }).ToList();
    }

    private static string Outcome(EvaluationResult result) => result.Candidate is null ? result.Final!.Value.ToString() : "candidate";

    private static void AssertSameAsWhole(string json, bool triaged)
    {
        var input = Encoding.UTF8.GetBytes(json + "\n");
        var fast = Assert.Single(WithTriage(input));
        var whole = Assert.Single(Whole(input));
        Assert.Equal(whole, (fast.Outcome, fast.Reason, fast.EventId));
        Assert.Equal(triaged, fast.Triaged);
    }

    private const string S3 = "\"eventSource\":\"s3.amazonaws.com\"";

    [Theory]
    // Decided by the top-level fields: each reason Triage gives.
    [InlineData($$$"""{"eventID":"a1",{{{S3}}},"eventName":"PutObject","eventType":"AwsApiCall"}""")]
    [InlineData($$$"""{"eventID":"a2",{{{S3}}},"eventName":"GetObject","eventType":"AwsServiceEvent"}""")]
    [InlineData($$$"""{"eventID":"a3",{{{S3}}},"eventName":"GetObject","eventCategory":"NetworkActivity"}""")]
    [InlineData($$$"""{"eventID":"a4",{{{S3}}},"eventName":"ListBuckets","eventCategory":"Management"}""")]
    [InlineData($$$"""{"eventID":"a5","eventSource":"ec2.amazonaws.com","eventName":"RunInstances"}""")]
    // managementEvent as a boolean, a string in another case, and a number: read as the parser reads them.
    [InlineData($$$"""{"eventID":"a6",{{{S3}}},"eventName":"GetObject","managementEvent":true}""")]
    [InlineData($$$"""{"eventID":"a7",{{{S3}}},"eventName":"GetObject","managementEvent":"TRUE","requestParameters":{"bucketName":"b","key":"k"}}""")]
    [InlineData($$$"""{"eventID":"a8",{{{S3}}},"eventName":"PutObject","managementEvent":1}""")]
    // Escaped text in names and values decodes as the document decodes it.
    [InlineData($$$"""{"event\u0049D":"a9","eventSource":"s3.amazonaws.com","eventName":"Put\u004fbject"}""")]
    // "None" and "" stand for a missing eventType (an API call), eventID too.
    [InlineData($$$"""{"eventID":"None",{{{S3}}},"eventName":"PutObject","eventType":"None"}""")]
    [InlineData($$$"""{"eventID":"",{{{S3}}},"eventName":"DeleteObject","eventType":""}""")]
    // A nested object whose fields share the top-level names does not confuse the capture.
    [InlineData($$$"""{"requestParameters":{"eventName":"GetObject","eventSource":"s3.amazonaws.com"},"eventID":"a10","eventSource":"kms.amazonaws.com","eventName":"Decrypt"}""")]
    // An object or array where a name is expected reads as missing, as in the parser: here eventType.
    [InlineData($$$"""{"eventID":"a11",{{{S3}}},"eventName":"PutObject","eventType":{"x":["AwsApiCall"]}}""")]
    public void A_record_its_top_level_fields_decide_gets_the_whole_parse_verdict_without_a_document(string json) =>
        AssertSameAsWhole(json, triaged: true);

    [Theory]
    // A monitored read: the whole record is needed.
    [InlineData($$$"""{"eventID":"b1",{{{S3}}},"eventName":"GetObject","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"bucketName":"b","key":"k"},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u"},"sourceIPAddress":"203.0.113.9"}""")]
    // Not a record: missing names are malformed, reported by the whole parse.
    [InlineData("""{"eventID":"b2","eventName":"GetObject"}""")]
    [InlineData("""{"eventID":"b3","eventSource":"s3.amazonaws.com"}""")]
    // A name given twice: the document decides which one counts.
    [InlineData($$$"""{"eventID":"b4",{{{S3}}},"eventName":"PutObject","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"}}""")]
    [InlineData($$$"""{"eventID":"b5","eventSource":"ec2.amazonaws.com",{{{S3}}},"eventName":"GetObject"}""")]
    // An EventBridge envelope: the record is its detail, whatever the envelope's own fields say.
    [InlineData($$$"""{"eventName":"PutObject","eventSource":"ec2.amazonaws.com","detail-type":"AWS API Call via CloudTrail","detail":{"eventID":"b6",{{{S3}}},"eventName":"PutObject"}}""")]
    [InlineData($$$"""{"id":"b7","eventSource":"ec2.amazonaws.com","eventName":"X","detail-type":"Object Created","source":"aws.s3","detail":{}}""")]
    // A lone surrogate escape in a triage field: repaired and read whole.
    [InlineData($$$"""{"eventID":"b8\ud800",{{{S3}}},"eventName":"PutObject"}""")]
    [InlineData($$$"""{"eventID":"b9",{{{S3}}},"eventName":"Put\udc00Object"}""")]
    // Not an object at all.
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    public void A_record_its_top_level_fields_cannot_decide_is_parsed_whole(string json) =>
        AssertSameAsWhole(json, triaged: false);

    [Fact]
    public void Invalid_utf8_in_a_triage_field_is_repaired_and_read_whole()
    {
        var input = Encoding.UTF8.GetBytes("{\"eventID\":\"c1\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"Put__Object\"}\n");
        var at = Array.IndexOf(input, (byte)'_');
        input[at] = 0xC3; // A lead byte followed by '_' is not UTF-8.
        input[at + 1] = 0x28;

        var fast = Assert.Single(WithTriage(input));

        Assert.Equal(Whole(input).Single(), (fast.Outcome, fast.Reason, fast.EventId));
        Assert.False(fast.Triaged);
        Assert.Contains("\uFFFD", fast.Reason);
    }

    [Fact]
    public void A_log_file_is_triaged_record_by_record_with_the_same_outcomes()
    {
        var records = new[]
        {
            $$$"""{"eventID":"d1",{{{S3}}},"eventName":"PutObject"}""",
            $$$"""{"eventID":"d2",{{{S3}}},"eventName":"GetObject","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"bucketName":"b","key":"k"},"userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"},"sourceIPAddress":"198.51.100.1"}""",
            $$$"""{"eventID":"d3","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","managementEvent":true}""",
        };
        var input = Encoding.UTF8.GetBytes($"{{\"Records\":[\n{string.Join(",\n", records)}\n]}}");

        var fast = WithTriage(input);

        Assert.Equal(Whole(input), fast.Select(f => (f.Outcome, f.Reason, f.EventId)));
        Assert.Equal([true, false, true], fast.Select(f => f.Triaged));
    }

    [Fact]
    public void Every_public_sample_gets_the_same_outcomes_with_and_without_the_triage()
    {
        var triaged = 0;
        var records = 0;
        foreach (var path in Directory.EnumerateFiles(Fixtures.PublicDir, "*.json", SearchOption.AllDirectories))
        {
            var input = File.ReadAllBytes(path);
            var fast = WithTriage(input);
            Assert.Equal(Whole(input), fast.Select(f => (f.Outcome, f.Reason, f.EventId)));
            triaged += fast.Count(f => f.Triaged);
            records += fast.Count;
        }
        // The samples hold management events and other services' calls: some must take the short path.
        Assert.InRange(triaged, 1, records - 1);
    }
}
