using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Trust;

/// <summary>Outcome of the trust check, with the entries that matched and a readable reason.</summary>
public sealed record TrustDecision(bool Trusted, bool SourceTrusted, bool PrincipalTrusted, string Reason);

/// <summary>
/// The seed's trust rule, widened: an access is trusted only when its source is trusted AND its principal is
/// trusted, each by an unexpired entry that is global or scoped to the read's account, its bucket, or both.
/// </summary>
public sealed class Allowlist
{
    private readonly List<(AllowlistEntry Entry, SourcePattern Pattern)> _sources = [];
    private readonly List<(AllowlistEntry Entry, PrincipalPattern Pattern)> _principals = [];

    /// <summary>Every entry, in the order given.</summary>
    public IReadOnlyList<AllowlistEntry> Entries { get; }

    private Allowlist(IReadOnlyList<AllowlistEntry> entries) => Entries = entries;

    /// <summary>Compiles entries; returns the ones that do not compile with the reason, so callers decide to fail or skip.</summary>
    public static Allowlist Build(IEnumerable<AllowlistEntry> entries, out List<(AllowlistEntry Entry, string Error)> invalid)
    {
        invalid = [];
        var valid = new List<AllowlistEntry>();
        var allowlist = new Allowlist(valid);
        foreach (var entry in entries)
        {
            string? error;
            if (entry.Kind == EntryKind.Source)
            {
                var pattern = SourcePattern.TryCreate(entry.Value, out error);
                if (pattern is not null)
                    allowlist._sources.Add((entry, pattern));
            }
            else
            {
                var pattern = PrincipalPattern.TryCreate(entry.Value, out error);
                if (pattern is not null)
                    allowlist._principals.Add((entry, pattern));
            }
            if (error is null)
                valid.Add(entry);
            else
                invalid.Add((entry, error));
        }
        return allowlist;
    }

    /// <summary>Checks one access; expiry is judged at the event's own time so replaying history is reproducible.</summary>
    public TrustDecision Check(S3Access access)
    {
        var bucket = access.ReadObject.Bucket;
        var ip = access.Source.Ip;
        var account = access.Account;
        var source = Find(_sources, e => e.Matches(access.Source, ip), account, bucket, access.EventTime);
        // A name-only pattern names a principal of the read's account (its recipient account, as before).
        var principal = Find(_principals, e => e.Matches(access.Principal, account), account, bucket, access.EventTime);
        var sourceTrusted = source is { IsExpiredAt: false };
        var principalTrusted = principal is { IsExpiredAt: false };

        if (sourceTrusted && principalTrusted)
            return new TrustDecision(true, true, true, $"principal {access.Principal.Label} and source {access.Source.Label} allowlisted");

        var reasons = new List<string>(2);
        if (!principalTrusted)
            reasons.Add(Untrusted("principal " + access.Principal.Label, principal));
        if (!sourceTrusted)
            reasons.Add(Untrusted("source " + access.Source.Label, source));
        return new TrustDecision(false, sourceTrusted, principalTrusted, string.Join("; ", reasons));
    }

    private static string Untrusted(string what, Match? expired) =>
        expired is { Entry.Expires: { } until } ? $"{what} allowlisted only until {IsoTime.Format(until)}" : what + " not allowlisted";

    private sealed record Match(AllowlistEntry Entry, bool IsExpiredAt);

    /// <summary>A live matching entry if there is one; else an expired one, so the reason can say so.</summary>
    private static Match? Find<TPattern>(List<(AllowlistEntry Entry, TPattern Pattern)> entries, Func<TPattern, bool> matches, string? account, string bucket, DateTimeOffset time)
    {
        Match? expired = null;
        foreach (var (entry, pattern) in entries)
        {
            if (!entry.AppliesTo(account, bucket) || !matches(pattern))
                continue;
            if (!entry.IsExpiredAt(time))
                return new Match(entry, false);
            expired ??= new Match(entry, true);
        }
        return expired;
    }
}
