using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>How `allowlist suggest` judges history.</summary>
/// <param name="MinDays">A behaviour is routine only when seen on at least this many distinct UTC days.</param>
/// <param name="Widen">Let a CIDR go past a /24 (IPv4) or /56 (IPv6), up to a /16 or /48, and cover public addresses.</param>
public sealed record SuggestOptions(int MinDays = SuggestOptions.DefaultMinDays, bool Widen = false)
{
    /// <summary>Five days: a working week.</summary>
    public const int DefaultMinDays = 5;
}

/// <summary>What a group of reads amounts to, as the report shows it.</summary>
/// <param name="Bucket">The bucket; null when the activity spans several buckets and the entries cover every bucket (of the account).</param>
/// <param name="ObjectsExact">False when <paramref name="Objects"/> is an estimate (very many distinct objects).</param>
/// <param name="Addresses">The exact addresses a CIDR was made from; empty otherwise.</param>
/// <param name="Account">The account of the reads, which scopes the entries; null when the records name none.</param>
public sealed record ActivitySummary(string Principal, string Source, string? Bucket, long Events, long Objects, bool ObjectsExact, int Days,
    DateTimeOffset First, DateTimeOffset Last, IReadOnlyList<string> SampleKeys, IReadOnlyList<string> Addresses, string? Account = null);

/// <summary>One routine behaviour and the entries that would trust it (empty when other suggestions' entries already do).</summary>
/// <param name="Narrowed">Why this is narrower than first proposed (per bucket, exact addresses), else null.</param>
public sealed record Suggestion(ActivitySummary Activity, IReadOnlyList<AllowlistEntry> NewEntries, string? Narrowed);

/// <summary>A behaviour that is not suggested, with the evidence why.</summary>
public sealed record Finding(ActivitySummary Activity, IReadOnlyList<string> Reasons);

/// <summary>Everything `allowlist suggest` found in the history.</summary>
/// <param name="Reads">Untrusted reads of sensitive objects: every read the current allowlist would alert on, before dedup.</param>
/// <param name="Groups">Distinct (principal, source, bucket) among them.</param>
/// <param name="Entries">Every new entry, once, with a note saying where it came from.</param>
/// <param name="WorthALook">Never suggested: Root, anonymous, harvests, bursts, failed-then-successful, first-seen public addresses.</param>
/// <param name="NotYetRoutine">Nothing suspicious, but seen on fewer than <see cref="SuggestOptions.MinDays"/> days.</param>
/// <param name="HeldBack">Routine, but its entries would also trust something not suggested (trust is source AND principal).</param>
public sealed record SuggestionReport(long Reads, DateTimeOffset? First, DateTimeOffset? Last, int Groups, SuggestOptions Options,
    IReadOnlyList<Suggestion> Suggestions, IReadOnlyList<AllowlistEntry> Entries, IReadOnlyList<Finding> WorthALook,
    IReadOnlyList<Finding> NotYetRoutine, IReadOnlyList<Finding> HeldBack)
{
    /// <summary>Reads the suggested entries would trust.</summary>
    public long TrustedReads => Suggestions.Sum(s => s.Activity.Events);
}
