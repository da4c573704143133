using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Tests.Support;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Dedup;

public class InMemoryDeduplicatorTests
{
    private readonly InMemoryDeduplicator _dedup = new(TimeSpan.FromMinutes(15));

    private DedupDecision Decide(S3Access access) => _dedup.Decide(Candidate(access));

    [Fact]
    public void FirstOccurrenceIsAnAlert()
    {
        Assert.Equal(new DedupDecision(true, null, ""), Decide(Read()));
    }

    [Fact]
    public void AWindowPastTheEndOfTimeStaysOpenInsteadOfThrowing()
    {
        var dedup = new InMemoryDeduplicator(TimeSpan.FromMinutes(15), burstLimit: 1, HarvestPolicy.Default);
        var last = DateTimeOffset.MaxValue.AddSeconds(-1);

        var first = dedup.Decide(Candidate(Read(eventId: "evt-1", time: last.AddMinutes(-1))));
        var repeat = dedup.Decide(Candidate(Read(eventId: "evt-2", time: last)));
        var burst = dedup.Decide(Candidate(Read(eventId: "evt-3", time: last, key: "exports/cardholder-2.csv")));

        Assert.True(first.IsFirst);
        Assert.Equal("evt-1", repeat.RepeatsEventId);
        Assert.Equal("evt-1", burst.RepeatsEventId);
    }

    [Fact]
    public void WindowEndSaturatesAtTheLastTimeThereIs()
    {
        Assert.Equal(DateTimeOffset.MaxValue, WindowEnd.After(DateTimeOffset.MaxValue.AddSeconds(-1), TimeSpan.FromDays(7)));
        Assert.Equal(T0.AddMinutes(15), WindowEnd.After(T0, TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public void SameEventIdIsADuplicateEvenLongAfterTheWindow()
    {
        Decide(Read(eventId: "evt-1"));

        var again = Decide(Read(eventId: "evt-1", time: T0.AddDays(3)));

        Assert.Equal(new DedupDecision(false, "evt-1", "eventID evt-1 already seen", SameEvent: true), again);
    }

    [Fact]
    public void SameAccessWithinTheWindowRepeatsTheAlert()
    {
        Decide(Read(eventId: "evt-1"));

        var repeat = Decide(Read(eventId: "evt-2", time: T0.AddMinutes(5)));

        Assert.Equal(new DedupDecision(false, "evt-1", "repeats alert evt-1: same principal, source and object within 15 min"), repeat);
    }

    [Fact]
    public void SameAccessAtTheEndOfTheWindowIsANewAlert()
    {
        Decide(Read(eventId: "evt-1"));

        Assert.False(Decide(Read(eventId: "evt-2", time: T0.AddMinutes(15).AddSeconds(-1))).IsFirst);
        Assert.True(Decide(Read(eventId: "evt-3", time: T0.AddMinutes(15))).IsFirst);
    }

    [Fact]
    public void WindowRunsFromTheAlertNotFromTheLastRepeat()
    {
        Decide(Read(eventId: "evt-1"));
        Decide(Read(eventId: "evt-2", time: T0.AddMinutes(10)));

        var later = Decide(Read(eventId: "evt-3", time: T0.AddMinutes(20)));

        Assert.True(later.IsFirst);
        Assert.Equal("evt-3", Decide(Read(eventId: "evt-4", time: T0.AddMinutes(25))).RepeatsEventId);
    }

    [Fact]
    public void RepeatedEventIdOfADuplicatePointsAtTheAlert()
    {
        Decide(Read(eventId: "evt-1"));
        Decide(Read(eventId: "evt-2", time: T0.AddMinutes(1)));

        Assert.Equal("evt-1", Decide(Read(eventId: "evt-2", time: T0.AddMinutes(1))).RepeatsEventId);
    }

    public static TheoryData<string, S3Access> DifferentAccesses => new()
    {
        { "key", Read(eventId: "evt-2", key: "exports/other.csv") },
        { "bucket", Read(eventId: "evt-2", bucket: "finance-archive") },
        { "principal", Read(eventId: "evt-2", principal: Role("loader")) },
        { "principal type", Read(eventId: "evt-2", principal: User("etl")) },
        { "source", Read(eventId: "evt-2", source: From("54.177.149.227")) },
        { "vpc endpoint", Read(eventId: "evt-2", source: From("54.177.149.226", "vpce-0a1b2c3d4e5f67890")) },
    };

    [Theory]
    [MemberData(nameof(DifferentAccesses))]
    public void DifferentAccessIsASeparateAlert(string difference, S3Access other)
    {
        Decide(Read(eventId: "evt-1"));

        Assert.True(Decide(other with { EventTime = T0.AddMinutes(1) }).IsFirst, difference);
    }

    [Fact]
    public void SessionsOfOneRoleAreTheSameAccess()
    {
        // Dedup keys on the role (issuer ARN): a new session of the same role does not restart alerting.
        Decide(Read(eventId: "evt-1", principal: Role("etl", "session-1")));

        Assert.False(Decide(Read(eventId: "evt-2", principal: Role("etl", "session-2"), time: T0.AddMinutes(1))).IsFirst);
    }

    [Fact]
    public void CopiesAreTheSameAccessWhenTheyReadTheSameSource()
    {
        var source = new ObjectRef("finance", "exports/cardholder.csv");
        Decide(Read(eventId: "evt-1", bucket: "scratch", key: "a.csv", copySource: source));

        Assert.False(Decide(Read(eventId: "evt-2", bucket: "scratch", key: "b.csv", copySource: source, time: T0.AddMinutes(1))).IsFirst);
        Assert.False(Decide(Read(eventId: "evt-3", time: T0.AddMinutes(2))).IsFirst);
    }

    [Theory]
    [InlineData(15 * 60, "15 min")]
    [InlineData(60 * 60, "1 h")]
    [InlineData(2 * 60 * 60, "2 h")]
    [InlineData(90 * 60, "90 min")]
    [InlineData(90, "90 s")]
    public void FormatsTheWindow(int seconds, string expected)
    {
        Assert.Equal(expected, DedupReasons.FormatWindow(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void ASuccessfulReadAfterARefusedAttemptIsANewAlertNotARepeat()
    {
        Decide(Read(eventId: "denied", errorCode: "AccessDenied"));

        var success = Decide(Read(eventId: "read", time: T0.AddMinutes(2)));

        Assert.True(success.IsFirst);
    }

    [Fact]
    public void PastTheBurstLimitFurtherObjectsAreCountedOnTheBurstsFirstAlert()
    {
        var dedup = new InMemoryDeduplicator(TimeSpan.FromMinutes(15), burstLimit: 2);
        Assert.True(dedup.Decide(Candidate(Read(key: "cardholder-1.csv", eventId: "a"))).IsFirst);
        Assert.True(dedup.Decide(Candidate(Read(key: "cardholder-2.csv", eventId: "b", time: T0.AddMinutes(1)))).IsFirst);

        var third = dedup.Decide(Candidate(Read(key: "cardholder-3.csv", eventId: "c", time: T0.AddMinutes(2))));

        Assert.Equal(new DedupDecision(false, "a", "burst: 2 alerts already raised for this principal and source on this bucket within 15 min; counted on alert a"), third);
        // Another bucket, another source, or a new window is another burst.
        Assert.True(dedup.Decide(Candidate(Read(key: "cardholder-4.csv", bucket: "hr", eventId: "d", time: T0.AddMinutes(3)))).IsFirst);
        Assert.True(dedup.Decide(Candidate(Read(key: "cardholder-5.csv", source: SourceAddress.From("203.0.113.9", null, null), eventId: "e", time: T0.AddMinutes(3)))).IsFirst);
        Assert.True(dedup.Decide(Candidate(Read(key: "cardholder-6.csv", eventId: "f", time: T0.AddMinutes(15)))).IsFirst);
    }

    [Fact]
    public void ABurstLimitOfZeroAlertsOnEveryObject()
    {
        var dedup = new InMemoryDeduplicator(TimeSpan.FromMinutes(15), burstLimit: 0);

        var decisions = Enumerable.Range(0, 50).Select(i => dedup.Decide(Candidate(Read(key: $"cardholder-{i}.csv", eventId: $"e{i}")))).ToList();

        Assert.All(decisions, d => Assert.True(d.IsFirst));
    }
}
