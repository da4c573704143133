using System.Runtime.InteropServices;
using System.Text.Json;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// "A verdict from scan is the verdict production gives": every CloudTrail fixture, record by record, through scan's
/// AccessEvaluator and through Parse Event → Check Allowlist → Classify Sensitivity with their config in a real
/// dynalite table holding the same entries, rules and access points. Verdicts and reasons must be equal.
/// </summary>
public class OneEvaluationPathTests(DynaliteTables tables) : IClassFixture<DynaliteTables>
{
    private const string Finance = "acme-finance-exports";
    private const string FinanceAccessPoint = "arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap";

    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "fixtures", "cloudtrail");

    /// <summary>Trust: global and bucket-scoped entries that trust some fixtures' accesses and not others.</summary>
    [Fact]
    public Task Trusting_config_gives_the_same_verdicts_and_reasons_on_both_paths() => AssertSamePathsAsync(
        [
            new AllowlistEntry(EntryKind.Principal, "etl"),
            new AllowlistEntry(EntryKind.Source, "54.177.149.226"),
            new AllowlistEntry(EntryKind.Principal, "alice", Finance),
            new AllowlistEntry(EntryKind.Source, "198.51.100.23", Finance),
        ],
        [
            new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical),
            new SensitivityRule(RuleKind.Prefix, "logs/", SensitivityLevel.Low),
            new SensitivityRule(RuleKind.Keyword, "payroll"),
        ],
        [],
        ["allowlisted", "not-sensitive", "alert-candidate", "ignored", "not-monitored", "malformed"]);

    /// <summary>No trust: bucket-scoped rules on read and copy-destination buckets, and an access point mapped to a bucket.</summary>
    [Fact]
    public Task Untrusting_config_with_bucket_rules_and_an_access_point_gives_the_same_verdicts_and_reasons_on_both_paths() => AssertSamePathsAsync(
        [new AllowlistEntry(EntryKind.Principal, "nobody-in-the-fixtures")],
        [
            new SensitivityRule(RuleKind.Keyword, "confidential", SensitivityLevel.Critical),
            new SensitivityRule(RuleKind.Prefix, "payroll/", SensitivityLevel.Critical, Finance),
            new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.High, Finance),
            new SensitivityRule(RuleKind.Prefix, "tmp/", SensitivityLevel.High, "acme-analytics-scratch"),
            new SensitivityRule(RuleKind.Prefix, "test-copy-object/README-copy", SensitivityLevel.Low, "elastic-cspm-cloudtrail-test-bucket"),
            new SensitivityRule(RuleKind.Glob, "*.csv", SensitivityLevel.Low),
        ],
        [new AccessPointBucket(FinanceAccessPoint, Finance)],
        ["not-sensitive", "alert-candidate"]);

    private async Task AssertSamePathsAsync(AllowlistEntry[] entries, SensitivityRule[] rules, AccessPointBucket[] accessPoints, string[] exercised)
    {
        var scan = new AccessEvaluator(AuditConfig.Create(entries, rules, accessPoints: accessPoints));
        var table = await tables.Server.CreateConfigTableAsync();
        using var client = tables.Server.Client();
        await new Aws.DynamoConfigStore(client, table).PutAsync(entries, rules, accessPoints);
        var source = new Core.Stores.CachedConfigSource(new Aws.DynamoConfigStore(client, table), TimeProvider.System);
        var parse = new ParseEventStep(new HashSet<string>(AuditConfig.DefaultMonitoredEvents));
        var allowlist = new CheckAllowlistStep(source);
        var classify = new ClassifySensitivityStep(source);

        var compared = 0;
        var verdicts = new HashSet<string>(StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var (name, record) in Records())
        {
            var expected = ScanVerdict(scan.Evaluate(record));
            var actual = await StepVerdictAsync(parse, allowlist, classify, record);
            compared++;
            verdicts.Add(expected.Verdict);
            if (expected != actual)
                differences.Add($"{name}: scan {expected}, steps {actual}");
        }

        Assert.True(compared > 50, $"only {compared} records compared");
        // The config must reach the verdicts it is meant to exercise, or agreement proves little.
        Assert.Subset(verdicts, new HashSet<string>(exercised, StringComparer.Ordinal));
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    private static (string Verdict, string Reason) ScanVerdict(EvaluationResult result) => result switch
    {
        { Candidate: { } candidate } => ("alert-candidate", candidate.Reason),
        { Final: Verdict.Malformed } => ("malformed", $"event {result.EventId ?? "without eventID"}: {result.Reason}"),
        _ => (result.Final!.Value.Name(), result.Reason),
    };

    /// <summary>The record through the steps as the state machine chains them (the ASL's choices, in code).</summary>
    private static async Task<(string Verdict, string Reason)> StepVerdictAsync(
        ParseEventStep parse, CheckAllowlistStep allowlist, ClassifySensitivityStep classify, JsonElement record)
    {
        // The record's bytes as the file holds them (some fixtures carry invalid UTF-8 on purpose).
        ParseEventResult parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(await parse.HandleAsync(JsonMarshal.GetRawUtf8Value(record).ToArray(), CancellationToken.None),
                StepJsonContext.Default.ParseEventResult)!;
        }
        catch (StepFailedException e) when (e.ErrorType == "MalformedEvent")
        {
            return ("malformed", e.Message);
        }
        if (!parsed.Applicable)
            return (parsed.Verdict, parsed.Reason);
        var request = StepEvents.AccessRequest(parsed);
        var trust = JsonSerializer.Deserialize(await allowlist.HandleAsync(request, CancellationToken.None), StepJsonContext.Default.CheckAllowlistResult)!;
        if (trust.Trusted)
            return ("allowlisted", trust.Reason);
        var sensitivity = JsonSerializer.Deserialize(await classify.HandleAsync(request, CancellationToken.None), StepJsonContext.Default.ClassifySensitivityResult)!;
        if (!sensitivity.Sensitive)
            return ("not-sensitive", sensitivity.Reason);
        // As Deduplicate Alert composes the alert's reasons from the two documents.
        return ("alert-candidate", new AlertCandidate(parsed.Access!, sensitivity.Classification!, trust.Reason).Reason);
    }

    /// <summary>Every record of every fixture that is JSON: a log file's Records, an array's items, or the document itself.</summary>
    private static IEnumerable<(string Name, JsonElement Record)> Records()
    {
        foreach (var path in Directory.EnumerateFiles(FixtureDir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(path));
                root = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue; // not JSON at all: scan reports the file, no record reaches either path
            }
            var name = Path.GetRelativePath(FixtureDir, path);
            if (LogFileRecords(root) is { } records)
                root = records;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var record in root.EnumerateArray())
                    yield return ($"{name}[{i++}]", record);
            }
            else
            {
                yield return (name, root);
            }
        }
    }

    private static JsonElement? LogFileRecords(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return null;
        try
        {
            return root.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array ? records : null;
        }
        catch (InvalidOperationException)
        {
            return null; // a property name with a lone surrogate (a fuzzer reproducer): judged as one record
        }
    }
}
