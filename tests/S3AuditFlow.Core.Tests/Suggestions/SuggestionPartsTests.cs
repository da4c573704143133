using System.Globalization;
using System.Net;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Suggestions;

namespace S3AuditFlow.Core.Tests.Suggestions;

/// <summary>The parts `allowlist suggest` decides with: distinct counts in bounded memory, networks, and the steady-rate rule.</summary>
public class SuggestionPartsTests
{
    [Fact]
    public void Distinct_objects_are_exact_up_to_the_capacity_then_estimated_closely()
    {
        var few = new DistinctEstimate();
        for (var i = 0; i < 3000; i++)
            few.Add("key-" + (i % 700).ToString(CultureInfo.InvariantCulture));
        Assert.True(few.IsExact);
        Assert.Equal(700, few.Count);

        var many = new DistinctEstimate();
        for (var i = 0; i < 50_000; i++)
            many.Add("key-" + i.ToString(CultureInfo.InvariantCulture));
        Assert.False(many.IsExact);
        Assert.InRange(many.Count, 45_000, 55_000);
        Assert.Equal(many.Count, DistinctEstimate.Union([many, many]).Count);
    }

    [Theory]
    [InlineData("10.0.2.21,10.0.2.22,10.0.2.87", "10.0.2.0/25")]
    [InlineData("10.0.2.4,10.0.2.5", "10.0.2.4/31")]
    [InlineData("2600:1f18::1,2600:1f18::ff", "2600:1f18::/120")]
    public void The_covering_network_is_the_smallest_holding_every_address(string addresses, string expected)
    {
        Assert.Equal(expected, Networks.Covering([.. addresses.Split(',').Select(IPAddress.Parse)]).ToString());
    }

    [Theory]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.31.0.9", false)]
    [InlineData("100.64.1.1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("203.0.113.50", true)]
    [InlineData("2600:1f18::1", true)]
    public void Private_addresses_are_not_public(string address, bool isPublic) => Assert.Equal(isPublic, Networks.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData(new[] { 20, 22, 19, 25, 21 }, false)]
    [InlineData(new[] { 1, 1, 1, 11 }, false)] // small counts jitter: within 10 of the median
    [InlineData(new[] { 1, 1, 1, 12 }, true)]
    [InlineData(new[] { 20, 20, 20, 61 }, true)] // more than 3x the median
    [InlineData(new[] { 20, 20, 20, 60 }, false)]
    public void A_burst_is_a_day_far_above_the_median_day(int[] perDay, bool burst)
    {
        var group = new ActivityGroup(new Subject("p", "p", "p", null), new Subject("s", "s", "10.0.0.1", null), "b");
        var day = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
        for (var d = 0; d < perDay.Length; d++)
        {
            for (var i = 0; i < perDay[d]; i++)
                group.Add(Read(day.AddDays(d).AddSeconds(i), "k" + i.ToString(CultureInfo.InvariantCulture)), null);
        }
        Assert.Equal(burst, RoutineRules.Burst(group) is not null);
    }

    [Fact]
    public void Refused_reads_followed_by_a_success_are_probing_but_a_success_before_them_is_not()
    {
        var group = new ActivityGroup(new Subject("p", "p", "p", null), new Subject("s", "s", "10.0.0.1", null), "b");
        var t = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
        group.Add(Read(t, "a"), null);
        group.Add(Read(t.AddMinutes(1), "b", "NoSuchKey"), null);
        Assert.Null(group.SucceededAfterDenied);
        group.Add(Read(t.AddMinutes(2), "c", "AccessDenied"), null);
        group.Add(Read(t.AddMinutes(3), "d", "AccessDenied"), null);
        group.Add(Read(t.AddMinutes(4), "e"), null);
        Assert.Equal(t.AddMinutes(4), group.SucceededAfterDenied);
        Assert.Equal(2, group.Denied);
    }

    private static S3Access Read(DateTimeOffset time, string key, string? error = null) =>
        new(EventId: Guid.NewGuid().ToString(), EventTime: time, EventName: "GetObject", Bucket: "b", Key: key, CopySource: null,
            Principal: new Principal("AssumedRole", "etl", null, "arn:aws:iam::123456789012:role/etl", "123456789012", null, null),
            Source: SourceAddress.From("10.0.0.1", null, null), ErrorCode: error, ErrorMessage: null, Region: null, RecipientAccountId: null, BytesTransferredOut: null);
}
