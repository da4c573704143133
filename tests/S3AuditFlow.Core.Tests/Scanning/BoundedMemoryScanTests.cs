using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Scanning;

/// <summary>
/// Memory that does not grow with the alerts: candidates spilled to temporary runs, dedup that forgets what ended,
/// alerts released while the scan runs. Each must change no verdict, alert, repeat count or harvest.
/// </summary>
public sealed class BoundedMemoryScanTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly TempDir _dir = new();
    private readonly ScanEngine _engine = new(AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder")],
        dedupWindow: Window, burstLimit: 3, harvest: new HarvestPolicy([20, 50])));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_scan_spilling_to_disk_and_streaming_its_alerts_finds_exactly_what_an_in_memory_scan_finds()
    {
        var inputs = HarvestsOverDays();

        var inMemory = _engine.Scan(inputs, new ScanOptions(Parallelism: 2));
        var streamed = new List<Alert>();
        var notices = new List<HarvestNotice>();
        var spilled = _engine.Scan(inputs, new ScanOptions(Parallelism: 2, OnAlert: streamed.Add, OnHarvest: notices.Add, MemoryBudgetBytes: 64 << 10));

        Assert.True(spilled.SpilledCandidates > 1_000, $"the budget should force most candidates to disk, spilled {spilled.SpilledCandidates}");
        // More runs than one merge takes at once: the oldest were merged into fewer first.
        Assert.True(spilled.SpilledRuns > CandidateRuns.MaxMergeWidth, $"the corpus should spill more runs than one merge takes, spilled {spilled.SpilledRuns}");
        Assert.True(inMemory.Alerts.Count > 50 && inMemory.HarvestNotices.Count > 5,
            $"the corpus should raise many alerts and harvests: {inMemory.Alerts.Count} alerts, {inMemory.HarvestNotices.Count} notices");
        Assert.Empty(spilled.Alerts);
        Assert.Equal(inMemory.Alerts.Count, spilled.AlertCount);
        Assert.Equal(Summary(inMemory.Alerts), Summary(streamed));
        Assert.Equal(inMemory.HarvestNotices.Select(Of), notices.Select(Of));
        foreach (var verdict in VerdictNames.All)
            Assert.Equal(inMemory.Count(verdict), spilled.Count(verdict));
    }

    [Fact]
    public void Alerts_are_released_in_time_order_with_their_final_repeat_counts()
    {
        var inputs = HarvestsOverDays();
        var released = new List<(string Id, int Duplicates)>();
        var streamed = new List<Alert>();

        _engine.Scan(inputs, new ScanOptions(OnAlert: alert =>
        {
            streamed.Add(alert);
            released.Add((alert.Candidate.Access.EventId, alert.Duplicates));
        }));

        // A count read when the alert was handed over equals the count at the end: nothing repeated it afterwards.
        Assert.Equal(released, streamed.Select(a => (a.Candidate.Access.EventId, a.Duplicates)));
        Assert.Contains(released, r => r.Duplicates > 0);
        Assert.Equal(streamed.Select(a => a.Candidate.Access.EventTime).Order(), streamed.Select(a => a.Candidate.Access.EventTime));
    }

    [Fact]
    public void Spilled_runs_leave_no_file_behind_even_while_the_scan_runs()
    {
        var temp = Path.GetTempPath();
        var during = -1;

        _engine.Scan(HarvestsOverDays(), new ScanOptions(MemoryBudgetBytes: 64 << 10,
            OnAlert: _ => during = Math.Max(during, Directory.GetFiles(temp, $"s3audit-{Environment.ProcessId}-*").Length)));

        // Runs are unlinked as soon as they are open: a Ctrl-C or kill -9 cannot leave them on disk.
        Assert.Equal(0, during);
        Assert.Empty(Directory.GetFiles(temp, $"s3audit-{Environment.ProcessId}-*"));
    }

    [Fact]
    public void Forgetting_what_ended_changes_no_decision_and_keeps_the_state_small()
    {
        var random = new Random(7);
        var candidates = Enumerable.Range(0, 20_000)
            .Select(i => Candidate(Read(eventId: $"evt-{i}", time: T0.AddSeconds(i * 13), key: $"exports/cardholder-{random.Next(400)}.csv",
                source: From($"198.51.100.{random.Next(6)}"))))
            .ToList();
        var forgetting = new InMemoryDeduplicator(Window, burstLimit: 3, new HarvestPolicy([20, 50]));
        var remembering = new InMemoryDeduplicator(Window, burstLimit: 3, new HarvestPolicy([20, 50])) { ForgetEnded = false };
        var held = 0;

        foreach (var candidate in candidates)
        {
            Assert.Equal(Of(remembering.Decide(candidate)), Of(forgetting.Decide(candidate)));
            held = Math.Max(held, forgetting.HeldWindows);
        }

        // 20,000 candidates over 3 days, 70 a window: accesses, bursts and harvests of about three windows stay.
        Assert.InRange(held, 1, 500);
        Assert.True(remembering.HeldWindows > 4 * held, $"without forgetting {remembering.HeldWindows} entries stay, with {held}");
        // Event IDs stay for 7 days: here all of them, as DynamoDB's TTL would keep them.
        Assert.Equal(20_000, forgetting.HeldEventIds);
    }

    [Fact]
    public void A_redelivered_record_is_a_duplicate_but_not_a_repeat_of_its_alert_as_in_aws()
    {
        var line = Record("evt-1", T0, "exports/cardholder-1.csv", "203.0.113.1");
        var repeat = Record("evt-2", T0.AddMinutes(1), "exports/cardholder-1.csv", "203.0.113.1");
        var inputs = new List<ScanInput>
        {
            ScanInput.FromFile(_dir.Write("a.jsonl", line + "\n" + repeat + "\n")),
            ScanInput.FromFile(_dir.Write("b.jsonl", line + "\n")),
        };

        var result = _engine.Scan(inputs);

        var alert = Assert.Single(result.Alerts);
        Assert.Equal(2, result.Count(Verdict.Duplicate));
        // evt-2 is another read of the access; the second evt-1 is the same event delivered twice.
        Assert.Equal(1, alert.Duplicates);
    }

    [Fact]
    public void An_event_id_is_recognised_as_long_as_the_dynamodb_store_keeps_it_then_judged_afresh()
    {
        var dedup = new InMemoryDeduplicator(Window);
        dedup.Decide(Candidate(Read(eventId: "evt-1", time: T0)));
        var later = T0 + Window + InMemoryDeduplicator.EventIdMemory;

        Assert.False(dedup.Decide(Candidate(Read(eventId: "evt-1", time: later - TimeSpan.FromMinutes(1)))).IsFirst);
        dedup.Decide(Candidate(Read(eventId: "evt-2", time: later + Window * 2, key: "exports/cardholder-other.csv")));
        Assert.True(dedup.Decide(Candidate(Read(eventId: "evt-1", time: later + Window * 3))).IsFirst);
    }

    private static (bool, string?, string, string?) Of(DedupDecision d) => (d.IsFirst, d.RepeatsEventId, d.Reason, d.Harvest is null ? null : Of(d.Harvest));

    private static string Of(HarvestNotice n) =>
        $"{n.HarvestId} {n.Threshold} {n.Objects} {n.Bytes} {n.FirstTime:O} {n.LastTime:O} {n.HighestSensitivity} {string.Join(',', n.SampleKeys)}";

    private static (string, string, int)[] Summary(IEnumerable<Alert> alerts) =>
        alerts.Select(a => (a.Candidate.Access.EventId, a.Severity.Name(), a.Duplicates)).ToArray();

    /// <summary>
    /// Three days of reads in four files, out of order: bursts of one address over many cardholder objects (harvests),
    /// repeats, quiet hours, and one file delivered twice (duplicate event IDs).
    /// </summary>
    private List<ScanInput> HarvestsOverDays()
    {
        var random = new Random(20261201);
        var lines = new List<(int File, string Line)>();
        for (var i = 0; i < 3_000; i++)
        {
            var burst = i / 250;
            var time = T0.AddHours(burst * 6).AddSeconds(i % 250 * random.Next(1, 9));
            var key = random.Next(10) == 0 ? "exports/readme.md" : $"exports/cardholder-{random.Next(burst % 2 == 0 ? 40 : 400)}.csv";
            lines.Add((random.Next(4), Record($"evt-{i:00000}", time, key, $"203.0.113.{burst % 5}")));
        }
        var files = Enumerable.Range(0, 4)
            .Select(f => ScanInput.FromFile(_dir.Write($"f{f}.jsonl", string.Join('\n', lines.Where(l => l.File == f).Select(l => l.Line).Reverse()) + "\n")))
            .ToList();
        files.Add(ScanInput.FromFile(_dir.Write("f0-again.jsonl", File.ReadAllText(files[0].Name))));
        return files;
    }

    private static string Record(string id, DateTimeOffset time, string key, string ip)
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        node["eventID"] = id;
        node["eventTime"] = time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        node["sourceIPAddress"] = ip;
        node["requestParameters"]!["key"] = key;
        return node.ToJsonString();
    }
}
