using System.Globalization;
using System.Net;
using System.Net.Sockets;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// Proposes the fewest allowlist entries that would trust the routine behaviour of a history and nothing else that
/// was seen. Trust is a source entry AND a principal entry, so entries written for two behaviours also trust their
/// cross product (principal of one from the source of the other), together with the entries already there: every
/// proposal is checked against the reads that are not suggested, with the current allowlist and every proposal
/// accepted before it. One that would trust any of them is narrowed (per bucket, then exact addresses) or held back.
/// </summary>
public static class AllowlistSuggester
{
    /// <summary>Exact addresses of one network a CIDR needs before it replaces them.</summary>
    public const int MinAddressesForCidr = 3;

    private const int MaxNoteLength = 400;

    /// <summary>A proposal: a principal and a source in a bucket (or every bucket), and what to try when it is too wide.</summary>
    private sealed record Candidate(string? Account, string Principal, string Source, string? Bucket, IReadOnlyList<ActivityGroup> Groups,
        IReadOnlyList<Candidate> Narrower, string? WhyNarrower, IReadOnlyList<string> Addresses)
    {
        public long Events => Groups.Sum(g => g.Events);
    }

    /// <summary>Judges the digest of a history against the allowlist it was scanned with.</summary>
    public static SuggestionReport Suggest(HistoryDigest digest, Allowlist current, SuggestOptions options)
    {
        var groups = digest.Groups.OrderBy(g => g.Account, StringComparer.Ordinal).ThenBy(g => g.Principal.Key, StringComparer.Ordinal).ThenBy(g => g.Source.Key, StringComparer.Ordinal)
            .ThenBy(g => g.Bucket, StringComparer.Ordinal).ToList();
        var worth = new List<(ActivityGroup Group, List<string> Reasons)>();
        var notYet = new List<(ActivityGroup Group, List<string> Reasons)>();
        var routine = new List<ActivityGroup>();
        foreach (var group in groups)
        {
            var reasons = RoutineRules.WorthALook(group, digest, options);
            var fewDays = RoutineRules.TooFewDays(group, options);
            if (reasons.Count > 0)
                worth.Add((group, fewDays is null ? reasons : [.. reasons, fewDays]));
            else if (fewDays is not null)
                notYet.Add((group, [fewDays]));
            else
                routine.Add(group);
        }

        var candidates = Collapse(PerBucketOrGlobal(routine, groups), options)
            .OrderByDescending(c => c.Events).ThenBy(c => c.Principal, StringComparer.Ordinal).ThenBy(c => c.Source, StringComparer.Ordinal)
            .ThenBy(c => c.Bucket, StringComparer.Ordinal).ToList();

        // What must keep alerting: everything not suggested. Held-back behaviour joins it as it is held back.
        var kept = worth.Select(w => w.Group).Concat(notYet.Select(n => n.Group)).ToList();
        var added = new List<AllowlistEntry>();
        var accepted = new List<(Candidate Candidate, List<AllowlistEntry> Entries, string? Narrowed)>();
        var heldBack = new List<Finding>();

        void Try(Candidate candidate, string? narrowed)
        {
            var needed = Needed(candidate, Allowlist.Build([.. current.Entries, .. added], out _));
            var trial = Allowlist.Build([.. current.Entries, .. added, .. needed], out _);
            var exposed = kept.FirstOrDefault(g => g.Representatives.Any(r => trial.Check(r).Trusted));
            if (exposed is null)
            {
                added.AddRange(needed);
                accepted.Add((candidate, needed, narrowed));
                return;
            }
            if (candidate.Narrower.Count > 0)
            {
                foreach (var narrower in candidate.Narrower)
                    Try(narrower, $"{candidate.WhyNarrower}: {Describe(candidate)} would also trust {Name(exposed)}");
                return;
            }
            heldBack.Add(new Finding(Summary(candidate),
                [$"its entries ({string.Join(", ", needed.Select(e => e.Describe()))}), with the others, would also trust {Name(exposed)}, which is not suggested"]));
            kept.AddRange(candidate.Groups);
        }

        foreach (var candidate in candidates)
            Try(candidate, null);

        var noted = Noted(accepted, digest);
        var suggestions = accepted.Select(a => new Suggestion(Summary(a.Candidate), [.. a.Entries.Select(e => noted[e])], a.Narrowed)).ToList();
        return new SuggestionReport(digest.Reads, digest.First, digest.Last, groups.Count, options, suggestions, [.. added.Select(e => noted[e])],
            [.. worth.Select(w => new Finding(Summary(w.Group), w.Reasons))],
            [.. notYet.Select(n => new Finding(Summary(n.Group), n.Reasons))],
            heldBack);
    }

    /// <summary>
    /// One proposal per account, principal and source: for every bucket of the account when it is routine in every
    /// bucket it touched there and there are several (narrower: one per bucket), else scoped to the bucket it is
    /// confined to. Never across accounts: an entity name or a private address means something else in another one.
    /// </summary>
    private static List<Candidate> PerBucketOrGlobal(List<ActivityGroup> routine, List<ActivityGroup> all)
    {
        var candidates = new List<Candidate>();
        foreach (var pair in routine.GroupBy(g => (g.Account, Principal: g.Principal.EntryValue!, Source: g.Source.EntryValue!)))
        {
            var perBucket = pair.Select(g => new Candidate(pair.Key.Account, pair.Key.Principal, pair.Key.Source, g.Bucket, [g], [], null, [])).ToList();
            var everywhereRoutine = all.Count(g => g.Account == pair.Key.Account && g.Principal.EntryValue == pair.Key.Principal && g.Source.EntryValue == pair.Key.Source) == perBucket.Count;
            if (perBucket.Count >= 2 && everywhereRoutine)
                candidates.Add(new Candidate(pair.Key.Account, pair.Key.Principal, pair.Key.Source, null, [.. pair], perBucket, "scoped per bucket", []));
            else
                candidates.AddRange(perBucket);
        }
        return candidates;
    }

    /// <summary>
    /// Exact addresses of one principal in one scope collapse into the smallest CIDR covering them when at least
    /// <see cref="MinAddressesForCidr"/> of one /24 (IPv4) or /56 (IPv6) are each routine and private; with
    /// <see cref="SuggestOptions.Widen"/>, of one /16 or /48, public ones too. Narrower: the exact addresses.
    /// </summary>
    private static List<Candidate> Collapse(List<Candidate> candidates, SuggestOptions options)
    {
        var result = new List<Candidate>();
        var byNetwork = candidates
            .Select(c => (Candidate: c, Ip: IPAddress.TryParse(c.Source, out var ip) && !c.Source.Contains('/', StringComparison.Ordinal) ? ip : null))
            .GroupBy(x => x.Ip is null || (!options.Widen && Networks.IsPublic(x.Ip))
                ? (x.Candidate.Account, x.Candidate.Principal, x.Candidate.Bucket, Network: (string?)("exact:" + x.Candidate.Source))
                : (x.Candidate.Account, x.Candidate.Principal, x.Candidate.Bucket, Network: (string?)Networks.Of(x.Ip, Bound(x.Ip, options)).ToString()));
        foreach (var network in byNetwork)
        {
            var members = network.ToList();
            if (members.Count < MinAddressesForCidr || network.Key.Network!.StartsWith("exact:", StringComparison.Ordinal))
            {
                result.AddRange(members.Select(m => m.Candidate));
                continue;
            }
            var addresses = members.Select(m => m.Ip!).ToList();
            var cidr = Networks.Covering(addresses).ToString();
            var narrower = members.Select(m => m.Candidate).ToList();
            result.Add(new Candidate(network.Key.Account, network.Key.Principal, cidr, network.Key.Bucket, [.. narrower.SelectMany(c => c.Groups)], narrower,
                "exact addresses", [.. addresses.Select(a => a.ToString())]));
        }
        return result;
    }

    private static int Bound(IPAddress ip, SuggestOptions options) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? (options.Widen ? 16 : 24) : (options.Widen ? 48 : 56);

    /// <summary>The entries the candidate needs: a half its reads are already trusted for needs none.</summary>
    private static List<AllowlistEntry> Needed(Candidate candidate, Allowlist present)
    {
        var reads = candidate.Groups.SelectMany(g => g.Representatives).ToList();
        var decisions = reads.Select(present.Check).ToList();
        var needed = new List<AllowlistEntry>(2);
        if (decisions.Any(d => !d.PrincipalTrusted))
            needed.Add(new AllowlistEntry(Kind: EntryKind.Principal, Value: candidate.Principal, Bucket: candidate.Bucket, Account: candidate.Account));
        if (decisions.Any(d => !d.SourceTrusted))
            needed.Add(new AllowlistEntry(Kind: EntryKind.Source, Value: candidate.Source, Bucket: candidate.Bucket, Account: candidate.Account));
        return needed;
    }

    /// <summary>Each new entry with a note naming where it came from and the behaviour it was written for.</summary>
    private static Dictionary<AllowlistEntry, AllowlistEntry> Noted(List<(Candidate Candidate, List<AllowlistEntry> Entries, string? Narrowed)> accepted, HistoryDigest digest)
    {
        var history = digest.First is { } first && digest.Last is { } last ? $"history {first:yyyy-MM-dd}..{last:yyyy-MM-dd}" : "history";
        var partners = new Dictionary<AllowlistEntry, List<string>>();
        foreach (var (candidate, entries, _) in accepted)
        {
            foreach (var entry in entries)
            {
                if (!partners.TryGetValue(entry, out var list))
                    partners[entry] = list = [];
                var partner = entry.Kind == EntryKind.Principal ? "source " + candidate.Source : "principal " + candidate.Principal;
                list.Add(string.Create(CultureInfo.InvariantCulture, $"{partner}: {candidate.Events:N0} reads on {Days(candidate.Groups)} days"));
            }
        }
        return partners.ToDictionary(p => p.Key, p =>
        {
            var note = $"s3audit allowlist suggest ({history}): routine with {string.Join("; ", p.Value)}";
            return p.Key with { Note = note.Length <= MaxNoteLength ? note : note[..(MaxNoteLength - 1)] + "…" };
        });
    }

    private static int Days(IEnumerable<ActivityGroup> groups) => groups.SelectMany(g => g.Days.Keys).Distinct().Count();

    private static string Describe(Candidate candidate) =>
        $"{candidate.Principal} from {candidate.Source} in {(candidate.Bucket is null ? "every bucket" : candidate.Bucket)}"
        + (candidate.Account is null ? "" : " of account " + candidate.Account);

    private static string Name(ActivityGroup group) => $"{Shown(group.Principal)} from {Shown(group.Source)} in {group.Bucket}";

    private static string Shown(Subject subject) => subject.EntryValue ?? subject.Label;

    private static ActivitySummary Summary(Candidate candidate) => Merge(candidate.Principal, candidate.Source, candidate.Bucket, candidate.Groups, candidate.Addresses, candidate.Account);

    private static ActivitySummary Summary(ActivityGroup group) => Merge(Shown(group.Principal), Shown(group.Source), group.Bucket, [group], [], group.Account);

    private static ActivitySummary Merge(string principal, string source, string? bucket, IReadOnlyList<ActivityGroup> groups, IReadOnlyList<string> addresses, string? account)
    {
        var objects = DistinctEstimate.Union(groups.Select(g => g.Objects));
        return new ActivitySummary(
            Principal: principal, Source: source, Bucket: bucket,
            Events: groups.Sum(g => g.Events), Objects: objects.Count, ObjectsExact: objects.IsExact, Days: Days(groups),
            First: groups.Min(g => g.First), Last: groups.Max(g => g.Last),
            SampleKeys: [.. groups.SelectMany(g => g.SampleKeys).Distinct(StringComparer.Ordinal).Take(ActivityGroup.MaxSampleKeys)],
            Addresses: addresses,
            Account: account);
    }
}
