using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Scanning;

public sealed class ScanEngineTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ScanEngine _engine = new(AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder")]));

    public void Dispose() => _dir.Dispose();

    /// <summary>One line of JSON Lines: a real GetObject record with its id, time and key replaced.</summary>
    private static string Record(string id, DateTimeOffset time, string key = "exports/cardholder.csv", string fixture = "record-GetObject-iamuser.json")
    {
        var node = Fixtures.Node(fixture);
        node["eventID"] = id;
        node["eventTime"] = time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        node["requestParameters"]!["key"] = key;
        return node.ToJsonString();
    }

    private static string Compact(string fixture) => Fixtures.Node(fixture).ToJsonString();

    private ScanInput File(string name, params string[] lines) => ScanInput.FromFile(_dir.Write(name, string.Join('\n', lines) + "\n"));

    private static (string, string, int)[] AlertsOf(ScanResult result) =>
        result.Alerts.Select(a => (a.Candidate.Access.EventId, a.Severity.Name(), a.Duplicates)).ToArray();

    [Fact]
    public void AlertsDoNotDependOnParallelismOrFileOrder()
    {
        var random = new Random(20241105);
        var keys = new[] { "exports/cardholder-a.csv", "exports/cardholder-b.csv", "exports/readme.md" };
        var lines = Enumerable.Range(0, 240)
            .Select(i => (File: random.Next(4), Line: Record($"evt-{i:000}", T0.AddSeconds(i * 37), keys[random.Next(keys.Length)])))
            .ToList();
        var inputs = Enumerable.Range(0, 4)
            .Select(f => File($"f{f}.jsonl", [.. lines.Where(l => l.File == f).Select(l => l.Line).Reverse()]))
            .ToList();

        var baseline = _engine.Scan(inputs, new ScanOptions(Parallelism: 1));

        Assert.True(baseline.Alerts.Count > 5, "the data should raise several alerts");
        Assert.True(baseline.Count(Verdict.Duplicate) > 5, "the data should hold repeats across files");
        foreach (var parallelism in new[] { 2, 4 })
            Assert.Equal(AlertsOf(baseline), AlertsOf(_engine.Scan(inputs, new ScanOptions(Parallelism: parallelism))));
        Assert.Equal(AlertsOf(baseline), AlertsOf(_engine.Scan([.. Enumerable.Reverse(inputs)], new ScanOptions(Parallelism: 4))));
    }

    [Fact]
    public void DedupAcrossFilesFollowsEventTimeNotFileOrder()
    {
        var late = File("a.jsonl", Record("late", T0.AddMinutes(10)));
        var early = File("b.jsonl", Record("early", T0));

        var result = _engine.Scan([late, early], new ScanOptions(KeepVerdicts: true));

        var alert = Assert.Single(result.Alerts);
        Assert.Equal("early", alert.Candidate.Access.EventId);
        Assert.Equal(1, alert.Duplicates);
        Assert.Equal(1, result.Files[0].Count(Verdict.Duplicate));
        Assert.Equal(1, result.Files[1].Count(Verdict.Alert));
        var lateLine = result.Verdicts!.Single(v => v.EventId == "late");
        Assert.Equal(Verdict.Duplicate, lateLine.Verdict);
        Assert.Equal("repeats alert early: same principal, source and object within 15 min", lateLine.Reason);
    }

    [Fact]
    public void SameEventDeliveredInTwoFilesAlertsOnce()
    {
        var result = _engine.Scan([File("a.jsonl", Record("evt-1", T0)), File("b.jsonl", Record("evt-1", T0))], new ScanOptions(KeepVerdicts: true));

        Assert.Single(result.Alerts);
        Assert.Equal([Verdict.Alert, Verdict.Duplicate], result.Verdicts!.Select(v => v.Verdict));
        Assert.Equal("eventID evt-1 already seen", result.Verdicts![1].Reason);
    }

    [Fact]
    public void AnEventTimeAtTheEndOfTimeIsJudgedAndDoesNotAbortTheScan()
    {
        var late = Fixtures.Node("record-GetObject-eventtime-year-9999.json");
        var again = Fixtures.Node("record-GetObject-eventtime-year-9999.json");
        again["eventID"] = "repeat-of-the-last-second";
        var result = _engine.Scan([File("late.jsonl", late.ToJsonString(), again.ToJsonString(), Record("ordinary", T0))], new ScanOptions(KeepVerdicts: true));

        Assert.Equal([Verdict.Alert, Verdict.Duplicate, Verdict.Alert], result.Verdicts!.Select(v => v.Verdict));
    }

    [Fact]
    public void OneEventIdAndTimeWithDifferentContentGivesTheSameAlertWhateverTheArgumentOrder()
    {
        // Fuzzer reproducer: the alert's key depended on which file was named first.
        var a = File("a.jsonl", Record("evt-1", T0, "exports/cardholder-a.csv"));
        var b = File("b.jsonl", Record("evt-1", T0, "exports/cardholder-b.csv"));

        var forward = _engine.Scan([a, b]);
        var backward = _engine.Scan([b, a]);

        Assert.Equal(forward.Alerts.Single().Candidate.Access.Key, backward.Alerts.Single().Candidate.Access.Key);
        Assert.Equal(1, backward.Count(Verdict.Duplicate));
    }

    [Fact]
    public void AlertsAreInTimeOrder()
    {
        var result = _engine.Scan([File("a.jsonl", Record("b", T0.AddHours(2), "x/cardholder-1"), Record("a", T0.AddHours(1), "x/cardholder-2")), File("b.jsonl", Record("c", T0, "x/cardholder-3"))]);

        Assert.Equal(["c", "a", "b"], result.Alerts.Select(a => a.Candidate.Access.EventId));
    }

    [Fact]
    public void VerdictLinesAreInInputOrder()
    {
        var a = File("a.jsonl", Record("a1", T0.AddMinutes(5)), Record("a2", T0.AddHours(1), "readme.md"), Record("a3", T0));
        var b = File("b.jsonl", Record("b1", T0.AddHours(2), "other/cardholder.csv"), Compact("public/NEGATIVE_aws-lambda-dotnet_native-eventbridge_s3-ObjectCreated.json"));

        var result = _engine.Scan([a, b], new ScanOptions(KeepVerdicts: true, Parallelism: 2));

        Assert.Equal([(a.Name, 1L), (a.Name, 2L), (a.Name, 3L), (b.Name, 1L), (b.Name, 2L)], result.Verdicts!.Select(v => (v.File, v.Ordinal)));
        Assert.Equal(["a1", "a2", "a3", "b1", "17793124-05d4-b198-2fde-7ededc63b103"], result.Verdicts!.Select(v => v.EventId));
        Assert.Equal([Verdict.Duplicate, Verdict.NotSensitive, Verdict.Alert, Verdict.Alert, Verdict.Ignored], result.Verdicts!.Select(v => v.Verdict));
        Assert.All(result.Verdicts!, v => Assert.NotEmpty(v.Reason));
    }

    [Fact]
    public void VerdictLinesAreKeptOnlyWhenAsked()
    {
        Assert.Null(_engine.Scan([File("a.jsonl", Record("a1", T0))]).Verdicts);
    }

    [Fact]
    public void CountsPerFileAndMalformedLinesDoNotStopTheScan()
    {
        var mixed = File("mixed.jsonl",
            Record("alert-1", T0),
            Record("not-sensitive", T0, "readme.md"),
            Compact("public/NEGATIVE_aws-lambda-dotnet_native-eventbridge_s3-ObjectCreated.json"),
            Compact("public/alexwlchan-blog_AssumedRole-ECS_HeadObject_vpce_private-ip.json"),
            """{"eventID": "broken", "eventName": GetObject}""",
            Compact("public/stratus_aws.impact.s3-ransomware-client-side-encryption_CopyObject-SSE-C_shortened.json"),
            Record("alert-2", T0, "exports/cardholder-2.csv"));
        var clean = File("clean.jsonl", Record("alert-3", T0, "exports/cardholder-3.csv"));

        var result = _engine.Scan([mixed, clean]);

        var counts = result.Files[0];
        Assert.Equal(mixed.Name, counts.File);
        Assert.Equal(7, counts.Total);
        Assert.Equal(2, counts.Count(Verdict.Alert));
        Assert.Equal(1, counts.Count(Verdict.NotSensitive));
        Assert.Equal(1, counts.Count(Verdict.Ignored));
        Assert.Equal(1, counts.Count(Verdict.NotMonitored));
        Assert.Equal(2, counts.Count(Verdict.Malformed));
        Assert.Equal(1, result.Files[1].Count(Verdict.Alert));
        Assert.Equal(8, result.Total);
        Assert.Equal(3, result.Count(Verdict.Alert));
        Assert.Equal([(mixed.Name, 5L), (mixed.Name, 6L)], result.Errors.Select(e => (e.File, e.Line)));
        Assert.StartsWith("invalid JSON at line 5:", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("CopyObject without eventID", result.Errors[1].Message);
    }

    [Fact]
    public void UnreadableInputIsReportedAndTheOthersAreScanned()
    {
        var gone = new ScanInput("gone.json", () => throw new FileNotFoundException("gone.json vanished"), 0);

        var result = _engine.Scan([gone, File("a.jsonl", Record("a1", T0))]);

        var error = Assert.Single(result.Errors);
        Assert.Equal("gone.json", error.File);
        Assert.StartsWith("cannot read:", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, result.Files[0].Count(Verdict.Malformed));
        Assert.Single(result.Alerts);
    }

    [Fact]
    public void ProgressReportsEveryRawByte()
    {
        var inputs = new[] { File("a.jsonl", Record("a1", T0)), File("b.jsonl", Record("b1", T0), Record("b2", T0)) };
        long bytes = 0;

        _engine.Scan(inputs, new ScanOptions(Parallelism: 2, OnBytesRead: n => Interlocked.Add(ref bytes, n)));

        Assert.Equal(inputs.Sum(i => i.Length), bytes);
    }

    [Fact]
    public void SameSecondRepeatsInDifferentFilesAlertOnTheSameEventWhateverTheFileOrder()
    {
        var a = File("a.jsonl", Record("evt-b", T0));
        var b = File("b.jsonl", Record("evt-a", T0));

        Assert.Equal(AlertsOf(_engine.Scan([a, b])), AlertsOf(_engine.Scan([b, a])));
    }
}
