using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Evaluation;

/// <summary>--since/--until: strict ISO parsing, inclusive ends, and the exact cut on each event's eventTime.</summary>
public sealed class TimeWindowTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [Fact]
    public void A_date_alone_as_until_includes_that_whole_day()
    {
        var window = TimeWindow.Parse("2026-10-01", "2026-10-31");

        Assert.Equal(Utc("2026-10-01T00:00:00Z"), window.Since);
        Assert.Null(window.Excludes(Utc("2026-10-31T23:59:59Z")));
        Assert.NotNull(window.Excludes(Utc("2026-11-01T00:00:00Z")));
        Assert.NotNull(window.Excludes(Utc("2026-09-30T23:59:59Z")));
    }

    [Fact]
    public void Times_are_inclusive_at_both_ends_and_utc_unless_an_offset_is_given()
    {
        var window = TimeWindow.Parse("2026-10-01T10:00:00+02:00", "2026-10-01T12:00:00Z");

        Assert.Null(window.Excludes(Utc("2026-10-01T08:00:00Z")));
        Assert.Null(window.Excludes(Utc("2026-10-01T12:00:00Z")));
        Assert.Equal("eventTime 2026-10-01T07:59:59Z is before --since 2026-10-01T08:00:00Z", window.Excludes(Utc("2026-10-01T07:59:59Z")));
        Assert.Equal("eventTime 2026-10-01T12:00:01Z is after --until 2026-10-01T12:00:00Z", window.Excludes(Utc("2026-10-01T12:00:01Z")));
    }

    [Theory]
    [InlineData("10/01/2026", null, "--since \"10/01/2026\" is not an ISO 8601 date or time")]
    [InlineData(null, "yesterday", "--until \"yesterday\" is not an ISO 8601 date or time")]
    [InlineData("2026-10-02", "2026-10-01", "--since 2026-10-02T00:00:00Z is after --until 2026-10-01T23:59:59Z")]
    public void Anything_but_iso_or_an_empty_window_is_refused(string? since, string? until, string message)
    {
        var e = Assert.Throws<FormatException>(() => TimeWindow.Parse(since, until));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_days_run_from_the_day_of_since_to_the_day_after_until()
    {
        var window = TimeWindow.Parse("2026-10-01T23:00:00Z", "2026-10-03T00:10:00Z");

        Assert.Equal(new DateOnly(2026, 10, 1), window.FirstKeyDay);
        Assert.Equal(new DateOnly(2026, 10, 4), window.LastKeyDay);
        Assert.Equal(DateOnly.MinValue, TimeWindow.Parse(null, "2026-10-03").FirstKeyDay);
        Assert.Equal(DateOnly.MaxValue, TimeWindow.Parse("2026-10-03", null).LastKeyDay);
        Assert.Equal(DateOnly.MaxValue, TimeWindow.Parse(null, "9999-12-31").LastKeyDay);
    }

    [Fact]
    public void Events_outside_the_window_are_counted_not_alerted_and_not_malformed()
    {
        string Record(string id, string time)
        {
            var node = Fixtures.Node("record-GetObject-iamuser.json");
            node["eventID"] = id;
            node["eventTime"] = time;
            node["requestParameters"]!["key"] = $"exports/cardholder-{id}.csv";
            return node.ToJsonString();
        }
        var input = ScanInput.FromFile(_dir.Write("events.jsonl", string.Join('\n',
            Record("before", "2026-09-30T23:59:59Z"),
            Record("first", "2026-10-01T00:00:00Z"),
            Record("last", "2026-10-01T23:59:59Z"),
            Record("after", "2026-10-02T00:00:00Z"),
            Record("bad-time", "10/01/2026 12:00:00")) + "\n"));
        var config = AuditConfig.Create([], [new SensitivityRule(RuleKind.Keyword, "cardholder")]);

        var result = new ScanEngine(config, TimeWindow.Parse("2026-10-01", "2026-10-01")).Scan([input], new ScanOptions(KeepVerdicts: true));

        Assert.Equal(["first", "last"], result.Alerts.Select(a => a.Candidate.Access.EventId));
        Assert.Equal(2, result.Count(Verdict.OutsideWindow));
        Assert.Equal(1, result.Count(Verdict.Malformed)); // a time that cannot be read stays malformed, window or not
        Assert.Single(result.Errors);
        var outside = result.Verdicts!.Where(v => v.Verdict == Verdict.OutsideWindow).ToList();
        Assert.Equal(["before", "after"], outside.Select(v => v.EventId));
        Assert.Equal("eventTime 2026-09-30T23:59:59Z is before --since 2026-10-01T00:00:00Z", outside[0].Reason);
        Assert.Equal("outside-window", Verdict.OutsideWindow.Name());
    }
}
