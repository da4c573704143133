using System.Text;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Tests;

/// <summary>The report's streaming aggregator on the generated corpus: groups, their order, totals and times, and the kept details.</summary>
public class AlertGroupsTests
{
    private static readonly Lazy<IReadOnlyList<Alert>> Alerts = new(() =>
    {
        var config = ConfigLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(ReportCorpus.Config)));
        var bytes = Encoding.UTF8.GetBytes(ReportCorpus.Lines());
        return new ScanEngine(config).Scan([new ScanInput("-", () => new MemoryStream(bytes), bytes.Length)]).Alerts;
    });

    /// <summary>What each group should hold, computed from the corpus description (not from a scan).</summary>
    private static List<(string Key, long Alerts, long Repeats, DateTimeOffset First, DateTimeOffset Last, SensitivityLevel Highest)> Expected(
        Func<ReportCorpus.Access, string> key) =>
        ReportCorpus.Accesses.GroupBy(key).Select(g => (g.Key, (long)g.Count(), (long)g.Sum(a => a.Repeats), g.Min(a => a.Time), g.Max(a => a.Time),
            g.Max(a => Enum.Parse<SensitivityLevel>(a.Level, ignoreCase: true)))).ToList();

    private static string KeyOf(AlertGroup g) => string.Join(" from ", new[] { g.Principal, g.Source, g.Bucket }.Where(p => p is not null));

    private static void AssertGroups(AlertGroups groups, Func<ReportCorpus.Access, string> key, string[] order)
    {
        var ranked = groups.Ranked();
        Assert.Equal(order, ranked.Select(KeyOf));
        var expected = Expected(key).ToDictionary(e => e.Key);
        Assert.All(ranked, g =>
        {
            var e = expected[KeyOf(g)];
            Assert.Equal((e.Alerts, e.Repeats, e.First, e.Last, e.Highest), (g.Alerts, g.Repeats, g.First, g.Last, g.Highest));
        });
        Assert.Equal(ReportCorpus.Accesses.Count, groups.Alerts);
        Assert.Equal(ReportCorpus.Accesses.Sum(a => a.Repeats), groups.Repeats);
    }

    [Fact]
    public void By_principal_and_source_the_groups_are_ranked_by_severity_then_alerts_then_repeats()
    {
        var groups = AlertGroups.Of(Alerts.Value, GroupBy.PrincipalAndSource, 50);

        AssertGroups(groups, a => $"role/{a.Role} from {a.Ip}",
        [
            "role/intruder from 203.0.113.9", // critical, 65 alerts
            "role/analyst from 2001:db8::5",  // critical, 1
            "role/analyst from 198.51.100.7", // high, 6
            "role/etl from 203.0.113.9",      // low, 7 alerts and 7 repeats ...
            "role/etl from 198.51.100.7",     // ... before 7 alerts and none
        ]);
        var intruder = groups.Ranked()[0];
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 10, 0, 0, TimeSpan.Zero), intruder.First);
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 10, 7, 0, TimeSpan.Zero), intruder.Last);
        Assert.Equal((60L, 5L), (intruder.Count(SensitivityLevel.Critical), intruder.Count(SensitivityLevel.High)));
        Assert.Equal(new Dictionary<string, long> { ["finance-data"] = 60, ["hr-exports"] = 5 }, intruder.Buckets);
    }

    [Fact]
    public void By_principal_source_or_bucket_each_gives_its_own_groups_and_order()
    {
        AssertGroups(AlertGroups.Of(Alerts.Value, GroupBy.Principal, 50), a => $"role/{a.Role}", ["role/intruder", "role/analyst", "role/etl"]);
        AssertGroups(AlertGroups.Of(Alerts.Value, GroupBy.Source, 50), a => a.Ip, ["203.0.113.9", "2001:db8::5", "198.51.100.7"]);
        AssertGroups(AlertGroups.Of(Alerts.Value, GroupBy.Bucket, 50), a => a.Bucket, ["finance-data", "hr-exports", "logs-archive"]);

        var office = AlertGroups.Of(Alerts.Value, GroupBy.Source, 50).Ranked()[2];
        Assert.Equal(new Dictionary<string, long> { ["role/analyst"] = 6, ["role/etl"] = 7 }, office.Principals);
    }

    [Fact]
    public void Streamed_in_dedup_order_with_each_repeat_as_it_is_decided_it_gives_the_same_groups_and_final_counts_on_the_details()
    {
        // What the flat-memory scan will do: raise an alert (its count still 0), then count repeats on it as dedup
        // decides them, interleaved with other alerts. Repeats here come a minute apart, as in the corpus.
        var fresh = Alerts.Value.Select(a => (Finished: a, Streamed: new Alert(a.Candidate))).ToList();
        var timeline = fresh.Select(p => (Time: p.Finished.Candidate.Access.EventTime, Alert: p.Streamed, IsRepeat: false))
            .Concat(fresh.SelectMany(p => Enumerable.Range(1, p.Finished.Duplicates)
                .Select(r => (Time: p.Finished.Candidate.Access.EventTime.AddMinutes(r), Alert: p.Streamed, IsRepeat: true))))
            .OrderBy(e => e.Time).ThenBy(e => e.IsRepeat);
        var streamed = new AlertGroups(GroupBy.PrincipalAndSource, 5);
        foreach (var (_, alert, isRepeat) in timeline)
        {
            if (isRepeat)
            {
                alert.CountDuplicate();
                streamed.AddRepeats(alert);
            }
            else
            {
                Assert.Equal(0, alert.Duplicates);
                streamed.Add(alert);
            }
        }

        var finished = AlertGroups.Of(Alerts.Value, GroupBy.PrincipalAndSource, 5);
        Assert.Equal(finished.Ranked().Select(g => (KeyOf(g), g.Alerts, g.Repeats, g.First, g.Last)),
            streamed.Ranked().Select(g => (KeyOf(g), g.Alerts, g.Repeats, g.First, g.Last)));
        Assert.Equal(finished.Details().Select(a => (a.Candidate.Access.EventId, a.Duplicates)),
            streamed.Details().Select(a => (a.Candidate.Access.EventId, a.Duplicates)));
        Assert.All(streamed.Details(), a => Assert.Equal(1, a.Duplicates));
    }

    [Fact]
    public void A_cap_keeps_only_that_many_alerts_the_most_severe_earliest_first()
    {
        var groups = AlertGroups.Of(Alerts.Value, GroupBy.PrincipalAndSource, 3);

        var details = groups.Details();
        // The intruder's first three critical reads, not the ETL job's earlier low ones (which start at 09:05).
        Assert.Equal(["evt-000", "evt-001", "evt-002"], details.Select(a => a.Candidate.Access.EventId));
        Assert.Equal(ReportCorpus.Accesses.Count - 3, groups.LeftOut);
    }

    [Fact]
    public void Details_all_keeps_every_alert_most_severe_first_then_in_time_order_and_zero_keeps_none()
    {
        var all = AlertGroups.Of(Alerts.Value, GroupBy.PrincipalAndSource, null).Details();
        Assert.Equal(ReportCorpus.Accesses.Count, all.Count);
        Assert.Equal(all.OrderByDescending(a => a.Severity).ThenBy(a => a.Candidate.Access.EventTime).ThenBy(a => a.Candidate.Access.EventId, StringComparer.Ordinal), all);
        Assert.Equal("evt-071", all[60].Candidate.Access.EventId); // the analyst's critical read, last of the 61 critical ones

        var none = AlertGroups.Of(Alerts.Value, GroupBy.PrincipalAndSource, 0);
        Assert.Empty(none.Details());
        Assert.Equal(ReportCorpus.Accesses.Count, none.LeftOut);
    }

    [Fact]
    public void A_repeat_of_an_alert_never_added_is_refused()
    {
        var groups = new AlertGroups(GroupBy.PrincipalAndSource, 50);
        Assert.Throws<InvalidOperationException>(() => groups.AddRepeats(Alerts.Value[0]));
    }
}
