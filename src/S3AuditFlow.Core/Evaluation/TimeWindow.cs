using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>
/// The `scan --since/--until` window: a data event whose eventTime falls outside is counted as outside-window,
/// never judged. Both ends are inclusive; an end left out is open.
/// </summary>
public sealed record TimeWindow(DateTimeOffset? Since, DateTimeOffset? Until)
{
    /// <summary>
    /// Days a trail's key may lag the event's: CloudTrail files sit under the UTC day they were delivered, a few
    /// minutes (not guaranteed) after their events, so the last minutes of a day can be in the next day's folder.
    /// </summary>
    public const int DeliveryLagDays = 1;

    /// <summary>No bounds: every event.</summary>
    public static readonly TimeWindow All = new(null, null);

    /// <summary>True when either end is set.</summary>
    public bool IsBounded => Since is not null || Until is not null;

    /// <summary>
    /// Parses the options with the config's strict ISO 8601 rules (<see cref="IsoTime"/>; UTC unless an offset is
    /// given). A date alone as --until means the end of that day, so `--until 2026-10-31` includes the 31st.
    /// </summary>
    /// <exception cref="FormatException">Not ISO 8601, or --since after --until; the message names the option.</exception>
    public static TimeWindow Parse(string? since, string? until)
    {
        var start = ParseEnd(since, "--since");
        var end = ParseEnd(until, "--until");
        if (end is { } day && until!.Trim().Length == "yyyy-MM-dd".Length)
            end = day.UtcDateTime.Date == DateTime.MaxValue.Date ? DateTimeOffset.MaxValue : day.AddDays(1).AddTicks(-1);
        if (start > end)
            throw new FormatException($"--since {IsoTime.Format(start!.Value)} is after --until {IsoTime.Format(end!.Value)}");
        return new TimeWindow(start, end);
    }

    private static DateTimeOffset? ParseEnd(string? text, string option)
    {
        if (text is null)
            return null;
        return IsoTime.TryParse(text.Trim(), out var time)
            ? time
            : throw new FormatException($"{option} \"{text}\" is not an ISO 8601 date or time (2026-10-01, 2026-10-01T12:00:00Z)");
    }

    /// <summary>Why <paramref name="eventTime"/> is outside the window, or null when it is inside.</summary>
    public string? Excludes(DateTimeOffset eventTime) =>
        Since is { } since && eventTime < since ? $"eventTime {IsoTime.Format(eventTime)} is before --since {IsoTime.Format(since)}"
        : Until is { } until && eventTime > until ? $"eventTime {IsoTime.Format(eventTime)} is after --until {IsoTime.Format(until)}"
        : null;

    /// <summary>The first day folder that can hold an event of the window.</summary>
    public DateOnly FirstKeyDay => Since is { } since ? DateOnly.FromDateTime(since.UtcDateTime) : DateOnly.MinValue;

    /// <summary>The last day folder that can hold an event of the window: the day of --until plus the delivery lag.</summary>
    public DateOnly LastKeyDay =>
        Until is { } until && DateOnly.FromDateTime(until.UtcDateTime) is var day && day < DateOnly.MaxValue.AddDays(-DeliveryLagDays)
            ? day.AddDays(DeliveryLagDays)
            : DateOnly.MaxValue;
}
