using System.Globalization;
using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// What makes a group of reads routine, and the evidence when it is not. Routine: seen on at least
/// <see cref="SuggestOptions.MinDays"/> distinct UTC days, at a steady rate, with none of the patterns that are never
/// suggested (Root or anonymous, a harvest, failed-then-successful reads, a first-seen public address, a burst).
/// </summary>
public static class RoutineRules
{
    /// <summary>Steady: the busiest day holds at most this many times the median day's reads…</summary>
    public const int SteadyFactor = 3;

    /// <summary>…or at most this many reads more than the median day (small counts jitter: 1, 1, 4 is not a burst).</summary>
    public const int SteadySlack = 10;

    /// <summary>Why the group must never be suggested; empty when nothing speaks against it.</summary>
    public static List<string> WorthALook(ActivityGroup group, HistoryDigest digest, SuggestOptions options)
    {
        var reasons = new List<string>();
        if (group.Principal.NotSuggestable is { } who)
            reasons.Add($"principal {group.Principal.Label}: {who}");
        if (group.Source.NotSuggestable is { } where)
            reasons.Add($"source {group.Source.Label}: {where}");
        if (group.Harvest is { } harvest)
            reasons.Add(Invariant($"harvest: one burst reached the {harvest.Threshold:N0}-object harvest threshold ({harvest.Objects:N0} new objects from {IsoTime.Format(harvest.FirstTime)} to {IsoTime.Format(harvest.LastTime)})"));
        if (group.SucceededAfterDenied is { } succeeded)
            reasons.Add(Invariant($"failed, then succeeded: {group.Denied:N0} refused read(s) from {IsoTime.Format(group.FirstDenied!.Value)}, then a successful read at {IsoTime.Format(succeeded)}"));
        foreach (var address in group.Representatives.Select(r => r.Source.Ip).OfType<System.Net.IPAddress>().Where(Networks.IsPublic).Distinct())
        {
            var days = digest.DaysSeen(address);
            if (days < options.MinDays)
                reasons.Add(Invariant($"first-seen public address {address}: seen on {days} day(s), fewer than --min-days {options.MinDays}"));
        }
        if (Burst(group) is { } burst)
            reasons.Add(burst);
        return reasons;
    }

    /// <summary>"seen on 3 day(s), fewer than --min-days 5", or null when seen on enough days.</summary>
    public static string? TooFewDays(ActivityGroup group, SuggestOptions options) =>
        group.Days.Count < options.MinDays ? Invariant($"seen on {group.Days.Count} day(s), fewer than --min-days {options.MinDays}") : null;

    /// <summary>The evidence of an unsteady rate: the busiest day against the median day, or null when steady.</summary>
    public static string? Burst(ActivityGroup group)
    {
        var counts = group.Days.Values.Order().ToArray();
        var median = counts.Length % 2 == 1 ? counts[counts.Length / 2] : (counts[(counts.Length / 2) - 1] + counts[counts.Length / 2]) / 2.0;
        var busiest = group.Days.MaxBy(d => d.Value);
        if (busiest.Value <= Math.Max(SteadyFactor * median, median + SteadySlack))
            return null;
        return Invariant($"burst: {busiest.Value:N0} reads on {busiest.Key:yyyy-MM-dd}, {busiest.Value / median:0.#}× the median day ({median:0.#}); steady means at most {SteadyFactor}× (or {SteadySlack} more)");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
