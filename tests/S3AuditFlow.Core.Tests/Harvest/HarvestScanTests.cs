using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Harvest;

/// <summary>Harvest escalation in scan's dedup: every new object of a burst counts; one notice per threshold.</summary>
public class HarvestScanTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private static List<DedupDecision> Harvest(InMemoryDeduplicator dedup, int objects, TimeSpan step, int first = 0, long bytes = 1000)
    {
        var decisions = new List<DedupDecision>();
        for (var i = first; i < first + objects; i++)
        {
            var access = Read(key: $"cardholder/{i:D5}.csv", eventId: $"evt-{i:D5}", time: T0 + step * i) with { BytesTransferredOut = bytes };
            decisions.Add(dedup.Decide(Candidate(access, i == 7 ? SensitivityLevel.Critical : SensitivityLevel.High)));
        }
        return decisions;
    }

    [Fact]
    public void A_harvest_of_1200_objects_raises_10_alerts_and_one_notice_at_100_and_at_1000()
    {
        var dedup = new InMemoryDeduplicator(Window, burstLimit: 10, HarvestPolicy.Default);

        var decisions = Harvest(dedup, 1200, TimeSpan.FromMilliseconds(500));

        Assert.Equal(10, decisions.Count(d => d.IsFirst));
        var notices = decisions.Select(d => d.Harvest).OfType<HarvestNotice>().ToList();
        Assert.Equal([100L, 1000L], notices.Select(n => n.Threshold));
        Assert.Equal([100L, 1000L], notices.Select(n => n.Objects));
        Assert.Equal([100_000L, 1_000_000L], notices.Select(n => n.Bytes));
        Assert.All(notices, n => Assert.Equal("evt-00000", n.HarvestId));
        Assert.Equal(SensitivityLevel.Critical, notices[0].HighestSensitivity);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"cardholder/{i:D5}.csv"), notices[1].SampleKeys);
        Assert.Equal(T0, notices[1].FirstTime);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(500) * 999, notices[1].LastTime);
        Assert.Equal(99, decisions.FindIndex(d => d.Harvest?.Threshold == 100));
        var tally = Assert.Single(dedup.Harvests);
        Assert.Equal(1200, tally.Objects);
        Assert.Equal([100L, 1000L], tally.Crossed);
    }

    [Fact]
    public void A_slow_harvest_is_one_harvest_while_its_reads_are_less_than_a_window_apart()
    {
        var dedup = new InMemoryDeduplicator(Window, burstLimit: 10, HarvestPolicy.Default);

        var decisions = Harvest(dedup, 120, TimeSpan.FromMinutes(10));

        var notice = Assert.Single(decisions.Select(d => d.Harvest).OfType<HarvestNotice>());
        Assert.Equal(100, notice.Objects);
        Assert.Equal("evt-00000", notice.HarvestId);
        // The burst's alert limit still resets every window: 120 reads over 20 hours are 120 bursts of their own alert...
        // ...but only one harvest.
        Assert.Single(dedup.Harvests);
    }

    [Fact]
    public void A_gap_of_a_whole_window_starts_a_new_harvest()
    {
        var dedup = new InMemoryDeduplicator(Window, burstLimit: 10, new HarvestPolicy([5]));

        var first = Harvest(dedup, 5, TimeSpan.FromMinutes(1));
        var afterGap = Harvest(dedup, 5, TimeSpan.FromMinutes(1), first: 20);

        Assert.Equal("evt-00000", Assert.Single(first.Select(d => d.Harvest).OfType<HarvestNotice>()).HarvestId);
        Assert.Equal("evt-00020", Assert.Single(afterGap.Select(d => d.Harvest).OfType<HarvestNotice>()).HarvestId);
    }

    [Fact]
    public void Repeats_of_one_object_and_repeated_event_ids_are_not_new_objects()
    {
        var dedup = new InMemoryDeduplicator(Window, burstLimit: 10, new HarvestPolicy([3]));
        var read = Read(key: "cardholder/a.csv", eventId: "evt-a");

        dedup.Decide(Candidate(read));
        dedup.Decide(Candidate(read));
        dedup.Decide(Candidate(read with { EventId = "evt-b", EventTime = T0.AddMinutes(1) }));
        var third = dedup.Decide(Candidate(Read(key: "cardholder/b.csv", eventId: "evt-c", time: T0.AddMinutes(2))));
        var fourth = dedup.Decide(Candidate(Read(key: "cardholder/c.csv", eventId: "evt-d", time: T0.AddMinutes(3))));

        Assert.Null(third.Harvest);
        Assert.Equal(3, fourth.Harvest?.Objects);
    }

    [Fact]
    public void Other_principals_sources_and_refused_attempts_are_harvests_of_their_own()
    {
        var dedup = new InMemoryDeduplicator(Window, burstLimit: 10, new HarvestPolicy([2]));

        var a = dedup.Decide(Candidate(Read(key: "cardholder/1", eventId: "e1")));
        var b = dedup.Decide(Candidate(Read(key: "cardholder/2", eventId: "e2", principal: Role("other"))));
        var c = dedup.Decide(Candidate(Read(key: "cardholder/3", eventId: "e3", source: From("203.0.113.9"))));
        var d = dedup.Decide(Candidate(Read(key: "cardholder/4", eventId: "e4", errorCode: "AccessDenied")));

        Assert.All(new[] { a, b, c, d }, x => Assert.Null(x.Harvest));
        Assert.NotNull(dedup.Decide(Candidate(Read(key: "cardholder/5", eventId: "e5"))).Harvest);
    }

    [Fact]
    public void Harvest_notices_come_without_a_burst_limit_and_not_at_all_when_off()
    {
        var unlimited = new InMemoryDeduplicator(Window, burstLimit: 0, new HarvestPolicy([50]));
        var off = new InMemoryDeduplicator(Window, burstLimit: 10, HarvestPolicy.Off);

        Assert.Single(Harvest(unlimited, 60, TimeSpan.FromSeconds(1)).Select(d => d.Harvest).OfType<HarvestNotice>());
        Assert.Empty(Harvest(off, 200, TimeSpan.FromSeconds(1)).Select(d => d.Harvest).OfType<HarvestNotice>());
        Assert.Empty(off.Harvests);
    }

    [Theory]
    [InlineData(120L, 0L, 100L)]
    [InlineData(120L, 100L, 0L)]
    [InlineData(1000L, 100L, 1000L)]
    [InlineData(5000L, 0L, 1000L)]
    [InlineData(99L, 0L, 0L)]
    public void Crossed_is_the_highest_threshold_reached_above_the_last_notified(long objects, long notified, long expected)
    {
        Assert.Equal(expected, HarvestPolicy.Default.Crossed(objects, notified) ?? 0);
    }

    [Theory]
    [InlineData("100,1000", new long[] { 100, 1000 })]
    [InlineData(" 5 , 50 ", new long[] { 5, 50 })]
    [InlineData("", new long[0])]
    public void Thresholds_parse_from_the_template_parameter(string text, long[] expected)
    {
        Assert.Equal(expected, HarvestPolicy.Parse(text).Thresholds);
    }

    [Theory]
    [InlineData("100,10", "strictly ascending")]
    [InlineData("0", "1 or more")]
    [InlineData("1e3", "whole number")]
    [InlineData("100,,1000", "whole number")]
    public void Bad_thresholds_are_refused_with_the_bad_one_named(string text, string message)
    {
        Assert.Contains(message, Assert.Throws<ConfigException>(() => HarvestPolicy.Parse(text)).Message, StringComparison.Ordinal);
    }
}
