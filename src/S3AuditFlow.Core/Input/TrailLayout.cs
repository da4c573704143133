using System.Globalization;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Core.Input;

/// <summary>One listing of a trail walk: every key under <paramref name="Prefix"/>, or (<paramref name="Discover"/>) the
/// objects and child folders one level down, each child to be planned again.</summary>
public readonly record struct TrailListing(string Prefix, bool Discover);

/// <summary>
/// The key layout CloudTrail writes, `[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/file`, so
/// that --since/--until, --account and --region-filter list (and read) only the folders that can hold what they
/// ask for. Pure: which prefixes to list is decided here, the listing itself is the caller's (S3, or a folder walk).
/// </summary>
/// <remarks>
/// CloudTrail files sit under the UTC day they were delivered, minutes after their events, so the days listed run
/// from the day of --since to the day after --until (<see cref="TimeWindow.DeliveryLagDays"/>); the exact cut is
/// made on each event's eventTime. Above `AWSLogs/` nothing is known and everything is walked; below it, when
/// pruning, only the trail layout is kept: `CloudTrail/` (not CloudTrail-Digest/ or CloudTrail-Insight/, nor another
/// service's logs), and folders shaped as accounts, regions and dates.
/// </remarks>
public sealed class TrailLayout
{
    /// <summary>Bounded windows up to this many days are listed day by day without discovering years and months first.</summary>
    public const int MaxDaysListedDirectly = 366;

    private const string LogsFolder = "AWSLogs";
    private const string EventsFolder = "CloudTrail";
    private const string DigestFolder = "CloudTrail-Digest";
    private const string DigestFileMark = "_CloudTrail-Digest_";

    // Levels below AWSLogs/[o-ORGID/], in order.
    private const int Account = 0, Service = 1, Region = 2, Year = 3, Month = 4, Day = 5;

    private readonly TimeWindow _window;
    private readonly HashSet<string>? _accounts;
    private readonly HashSet<string>? _regions;
    private readonly DateOnly _firstDay;
    private readonly DateOnly _lastDay;

    /// <summary>A layout that keeps everything.</summary>
    public static readonly TrailLayout Everything = new(TimeWindow.All);

    /// <param name="window">--since/--until.</param>
    /// <param name="accounts">--account: 12-digit account IDs to keep; null for all.</param>
    /// <param name="regions">--region-filter: region names to keep; null for all.</param>
    public TrailLayout(TimeWindow window, IEnumerable<string>? accounts = null, IEnumerable<string>? regions = null)
    {
        _window = window;
        _accounts = accounts is null ? null : new HashSet<string>(accounts, StringComparer.Ordinal);
        _regions = regions is null ? null : new HashSet<string>(regions, StringComparer.Ordinal);
        _firstDay = window.FirstKeyDay;
        _lastDay = window.LastKeyDay;
        Prunes = window.IsBounded || _accounts is not null || _regions is not null;
    }

    /// <summary>True when some folder may be left out; false when everything is listed.</summary>
    public bool Prunes { get; }

    /// <summary>
    /// A CloudTrail-Digest file (`…/CloudTrail-Digest/…` or `*_CloudTrail-Digest_*`): hashes that prove the log files
    /// unchanged, no events. Scan skips and counts them instead of reporting them malformed.
    /// </summary>
    public static bool IsDigest(string path)
    {
        var segments = path.Split('/');
        return segments[^1].Contains(DigestFileMark, StringComparison.Ordinal) || Array.IndexOf(segments, DigestFolder, 0, segments.Length - 1) >= 0;
    }

    /// <summary>
    /// False when the layout folders a key, path or prefix sits in rule it out (an account, region or day not asked
    /// for; not the trail layout below AWSLogs/). Judged on complete folders only: the part after the last '/' is a
    /// file name or an unfinished prefix.
    /// </summary>
    public bool Admits(string path)
    {
        if (!Prunes || Locate(path) is not { } located)
            return true;
        var (segments, first, depth) = located;
        for (var level = 0; level < depth; level++)
        {
            if (!Admits(level, segments, first))
                return false;
        }
        return true;
    }

    /// <summary>What to list to find every key under <paramref name="prefix"/> that the filters may want.</summary>
    public IReadOnlyList<TrailListing> Plan(string prefix)
    {
        if (!Prunes)
            return [new(prefix, Discover: false)];
        if (!Admits(prefix))
            return [];
        if (Locate(prefix) is not { } located || located.Depth <= Region)
            return [new(prefix, Discover: true)];
        var (segments, first, depth) = located;
        if (depth > Day || !_window.IsBounded)
            return [new(prefix, Discover: false)];
        if (_window.Since is null || _window.Until is null || _lastDay.DayNumber - _firstDay.DayNumber >= MaxDaysListedDirectly)
            return [new(prefix, Discover: true)];

        // A bounded window under a region: its days are known, so they are listed without asking for years and months.
        var regionFolder = string.Join('/', segments[..(first + Region + 1)]) + "/";
        var days = new List<TrailListing>();
        for (var day = _firstDay; day <= _lastDay; day = day.AddDays(1))
        {
            var dayFolder = regionFolder + day.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture) + "/";
            if (dayFolder.StartsWith(prefix, StringComparison.Ordinal))
                days.Add(new(dayFolder, Discover: false));
        }
        return days;
    }

    /// <summary>Where the layout starts in a path, and how many of its complete folders (account … day) it has.</summary>
    private static (string[] Segments, int First, int Depth)? Locate(string path)
    {
        var segments = path.Split('/');
        var complete = segments.Length - 1;
        var logs = Array.IndexOf(segments, LogsFolder, 0, complete);
        if (logs < 0)
            return null;
        var first = logs + 1;
        if (first < complete && IsOrganizationId(segments[first]))
            first++;
        return (segments, first, Math.Min(complete - first, Day + 1));
    }

    private bool Admits(int level, string[] segments, int first)
    {
        var segment = segments[first + level];
        switch (level)
        {
            case Account:
                return IsAccountId(segment) && (_accounts is null || _accounts.Contains(segment));
            case Service:
                return segment == EventsFolder;
            case Region:
                return segment.Length > 0 && (_regions is null || _regions.Contains(segment));
            case Year:
                return Number(segment, 4) is { } year && year >= _firstDay.Year && year <= _lastDay.Year;
            case Month:
                if (Number(segment, 2) is not { } month || month is < 1 or > 12)
                    return false;
                var yearMonth = (Number(segments[first + Year], 4)!.Value * 12) + month - 1;
                return yearMonth >= (_firstDay.Year * 12) + _firstDay.Month - 1 && yearMonth <= (_lastDay.Year * 12) + _lastDay.Month - 1;
            default:
                return DateOnly.TryParseExact(string.Join('/', segments[(first + Year)..(first + Day + 1)]), "yyyy/MM/dd",
                    CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day >= _firstDay && day <= _lastDay;
        }
    }

    /// <summary>An AWS account ID: 12 digits.</summary>
    public static bool IsAccountId(string text) => text.Length == 12 && text.All(char.IsAsciiDigit);

    /// <summary>An organization ID as an organization trail writes it: `o-` and 10 to 32 lower-case letters or digits.</summary>
    private static bool IsOrganizationId(string text) =>
        text.Length is >= 12 and <= 34 && text.StartsWith("o-", StringComparison.Ordinal) && text[2..].All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c));

    private static int? Number(string text, int digits) =>
        text.Length == digits && text.All(char.IsAsciiDigit) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
