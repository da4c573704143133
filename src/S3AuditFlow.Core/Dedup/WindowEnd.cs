namespace S3AuditFlow.Core.Dedup;

/// <summary>
/// The end of a window that starts at an event's time. eventTime is whatever a record says, up to
/// 9999-12-31T23:59:59Z, and DateTimeOffset addition throws past that: one such record used to abort the whole scan.
/// </summary>
public static class WindowEnd
{
    /// <summary><paramref name="time"/> + <paramref name="window"/>, or <see cref="DateTimeOffset.MaxValue"/> when that is later than time can go.</summary>
    /// <remarks>Saturating keeps the window open to the end of time, which is what an event that late means for dedup.</remarks>
    public static DateTimeOffset After(DateTimeOffset time, TimeSpan window) =>
        window > TimeSpan.Zero && time.UtcTicks > DateTimeOffset.MaxValue.UtcTicks - window.Ticks
            ? DateTimeOffset.MaxValue
            : time + window;
}
