using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>
/// The filters never drop an event a rule would alert on: for random rules (every kind, global, bucket-, account- and
/// account-and-bucket-scoped, with
/// <c>*</c>, <c>\</c>, <c>?</c>, <c>%</c>, <c>/</c> and non-ASCII letters), random monitored buckets and keys built to
/// hit the rules, whatever the real parser and classifier find sensitive passes the compiled EventBridge patterns and
/// the trail's selectors, judged by the matchers held to AWS's examples. And they do filter: a key no rule can match is
/// dropped wherever a bucket is filterable. The seed is fixed (FsCheck prints it with a failing case).
/// </summary>
public sealed class FilterSupersetProperties
{
    private const string Seed = "(1786513264,296865277)";

    /// <summary>The bucket pool: the first four may be monitored, the last never is.</summary>
    internal static readonly string[] Pool = ["pay-data", "hr-exports", "logs.archive", "www-public", "scratch-01"];

    /// <summary>
    /// Accounts a rule may be scoped to: the copy fixture's own (so its copies meet account rules that apply) and
    /// another. The filters carry no account: an account-scoped rule must count for its bucket in every account.
    /// </summary>
    internal static readonly string[] RuleAccounts = ["111122223333", "444455556666"];

    /// <summary>The accounts a read is judged in by the oracles: unknown, then each rule account.</summary>
    private static readonly string?[] ReadAccounts = [null, .. RuleAccounts];

    /// <summary>True when some rule applies to BUCKET/KEY read in some account: what the filters must let through.</summary>
    private static bool SensitiveInAnyAccount(SensitivityClassifier classifier, string bucket, string key) =>
        ReadAccounts.Any(account => classifier.Classify(new ObjectRef(bucket, key), account) is not null);

    private const string Alphabet = "abAB/.*\\?%-+ é日";

    private static readonly string[] GlobTokens = ["a", "b", "A", "/", ".", "*", "**", "**/", "?", "\\", "%", "+", " ", "é", "日"];

    private static readonly string[] Events = [.. AuditConfig.DefaultMonitoredEvents];

    /// <summary>One random case: rules, which buckets are monitored (a bit mask over the first four) and a seed for keys.</summary>
    public sealed record Case(SensitivityRule[] Rules, int MonitoredMask, int KeySeed)
    {
        public IReadOnlyList<string> Monitored => [.. Pool.Take(4).Where((_, i) => (MonitoredMask & (1 << i)) != 0)];

        public override string ToString() =>
            $"rules [{string.Join(", ", Rules.Select(r => r.Describe()))}], monitored [{string.Join(", ", Monitored)}], keys {KeySeed}";
    }

    internal static Arbitrary<Case> Cases()
    {
        var text = from length in Gen.Choose(1, 6)
                   from chars in Gen.Elements(Alphabet.ToCharArray()).ArrayOf(length)
                   select new string(chars);
        // Globs are built from tokens too, so "**", "**/" and "?" next to literals and to each other are common.
        var globText = from count in Gen.Choose(1, 5)
                       from tokens in Gen.Elements(GlobTokens).ArrayOf(count)
                       select string.Concat(tokens);
        var rule =
            from kind in Gen.Elements(RuleKind.Keyword, RuleKind.Prefix, RuleKind.Glob)
            from value in kind == RuleKind.Glob ? Gen.OneOf(text, globText) : text
            from scoped in Gen.Elements<string?>(null, null, null, Pool[0], Pool[1], Pool[2], Pool[3], Pool[4])
            from account in Gen.Elements<string?>(null, null, RuleAccounts[0], RuleAccounts[1])
            select new SensitivityRule(kind, value, SensitivityLevel.High, scoped, Account: account);
        var cases =
            from count in Gen.Choose(0, 6)
            from rules in rule.ArrayOf(count)
            from mask in Gen.Choose(1, 15)
            from seed in Gen.Choose(0, int.MaxValue)
            select new Case(rules, mask, seed);
        return cases.ToArbitrary();
    }

    [Property(MaxTest = 1000, Replay = Seed)]
    public Property Every_sensitive_read_passes_the_filters() => Prop.ForAll(Cases(), c =>
    {
        // Also under a small size quota, so branches are widened to fit: widening must only ever widen.
        var classifier = SensitivityClassifier.Build(c.Rules, out _);
        FilterOptions[] options = [new(), new(MaxPatternLength: 600)];
        return options.All(o => EveryReadPasses(FilterCompiler.Compile(c.Rules, c.Monitored, Events, o), c, Keys(c),
            (bucket, key) => SensitiveInAnyAccount(classifier, bucket, key)));
    });

    [Property(MaxTest = 500, Replay = Seed)]
    public Property With_case_exact_keywords_every_read_holding_a_keyword_as_written_passes() => Prop.ForAll(Cases(), c =>
    {
        // The opt-in is narrower than the rules on purpose; what it still promises: a keyword written in the key in
        // the rule's own case passes, and every other kind of rule passes as without the option.
        var others = SensitivityClassifier.Build(c.Rules.Where(r => r.Kind != RuleKind.Keyword), out _);
        return EveryReadPasses(FilterCompiler.Compile(c.Rules, c.Monitored, Events, new FilterOptions(CaseExactKeywords: true)), c,
            Keys(c).Concat(c.Rules.Select(r => "x/" + r.Value + "/y")),
            (bucket, key) => SensitiveInAnyAccount(others, bucket, key)
                || c.Rules.Any(r => r.Kind == RuleKind.Keyword && (r.Bucket is null || r.Bucket == bucket) && key.Contains(r.Value, StringComparison.Ordinal)));
    });

    /// <summary>Asserts that a GetObject of each monitored bucket and key the oracle calls sensitive passes both filters.</summary>
    private static bool EveryReadPasses(CompiledFilters filters, Case c, IEnumerable<string> keys, Func<string, string, bool> sensitive)
    {
        var candidates = keys.ToList();
        foreach (var (bucket, key) in c.Monitored.SelectMany(b => candidates.Select(k => (b, k))).Where(p => sensitive(p.b, p.k)))
        {
            var record = FilterEvents.GetObject(bucket, key);
            Assert.True(EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(record)), $"read rule drops {bucket}/{key}");
            Assert.True(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(record)), $"trail drops {bucket}/{key}");
        }
        return true;
    }

    [Property(MaxTest = 500, Replay = Seed)]
    public Property Every_sensitive_copy_passes_the_filters_in_every_copy_source_form() => Prop.ForAll(Cases(), c =>
    {
        var filters = FilterCompiler.Compile(c.Rules, c.Monitored, Events, new FilterOptions());
        var classifier = SensitivityClassifier.Build(c.Rules, out _);
        var parser = new CloudTrailParser(new HashSet<string>(Events, StringComparer.Ordinal), new HashSet<string>(c.Monitored, StringComparer.Ordinal));
        var random = new Random(c.KeySeed);
        var keys = Keys(c);
        for (var i = 0; i < 25; i++)
        {
            var (source, destination) = ((Pool[random.Next(Pool.Length)], keys[random.Next(keys.Count)]), (Pool[random.Next(Pool.Length)], keys[random.Next(keys.Count)]));
            var eventName = random.Next(2) == 0 ? "CopyObject" : "UploadPartCopy";
            foreach (var (header, named) in CopySourceForms(source, random))
            {
                var record = FilterEvents.Copy(eventName, header, named ? source : null, destination.Item1, destination.Item2);
                var parsed = parser.Parse(Fixtures.ToElement(record));
                if (parsed.Access is not { } access || classifier.Classify(access) is null)
                    continue;
                var delivered = FilterEvents.Delivered(record);
                Assert.True(EventPatternMatcher.Matches(filters.ReadRule, delivered) || EventPatternMatcher.Matches(filters.CopyOutRule!, delivered),
                    $"{eventName} {header} → {destination}: dropped by both rules");
                if (named)
                    Assert.True(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(record)), $"{eventName} {header} → {destination}: not logged");
            }
        }
        return true;
    });

    [Property(MaxTest = 500, Replay = Seed)]
    public Property A_key_no_rule_can_match_is_dropped_where_a_bucket_is_filtered() => Prop.ForAll(Cases(), c =>
    {
        var filters = FilterCompiler.Compile(c.Rules, c.Monitored, Events, new FilterOptions());
        // No rule value holds a 'Z' or a 'z': only a rule without a literal (a glob such as "*" or "???") can match
        // this key, and such a rule keeps its buckets unfiltered.
        const string key = "ZZZ";
        var classifier = SensitivityClassifier.Build(c.Rules, out _);
        bool ReadUnfiltered(string bucket) => filters.Notes.Any(n => n.StartsWith("read rule", StringComparison.Ordinal)
            && (n.Contains("left unfiltered", StringComparison.Ordinal) || n.Contains("no monitored bucket", StringComparison.Ordinal)
                || (n.Contains("key of bucketName", StringComparison.Ordinal) && n.Contains($"\"{bucket}\"", StringComparison.Ordinal))));
        var trailWidened = filters.Notes.Any(n => n.StartsWith("trail", StringComparison.Ordinal));
        foreach (var bucket in filters.Buckets)
        {
            var record = FilterEvents.GetObject(bucket.Bucket!, key);
            if (bucket.Key is not null)
                Assert.False(SensitiveInAnyAccount(classifier, bucket.Bucket!, key));
            if (bucket.Key is not null && !ReadUnfiltered(bucket.Bucket!))
                Assert.False(EventPatternMatcher.Matches(filters.ReadRule, FilterEvents.Delivered(record)), $"read rule passes {bucket.Bucket}/{key}");
            if (!bucket.Trail.Contains(TrailCondition.Whole) && !trailWidened)
                Assert.False(SelectorMatcher.Logs(filters.Trail, TrailEvent.Of(record)), $"trail logs {bucket.Bucket}/{key}");
        }
        return true;
    });

    [Fact]
    public void The_generated_cases_reach_sensitive_reads_and_filterable_buckets()
    {
        // The properties above would hold vacuously if the keys never hit a rule or every bucket stayed unfiltered.
        var cases = Cases().Generator.Sample(200, new Rnd(20261207), 10);
        Assert.Equal(200, cases.Length);
        var sensitive = cases.Sum(c =>
        {
            var classifier = SensitivityClassifier.Build(c.Rules, out _);
            return c.Monitored.Sum(b => Keys(c).Count(k => SensitiveInAnyAccount(classifier, b, k)));
        });
        var filtered = cases.Count(c => FilterCompiler.Compile(c.Rules, c.Monitored, Events, new FilterOptions()).Buckets.Any(b => b.Key is { Count: > 0 }));
        Assert.True(sensitive > 1000, $"{sensitive} sensitive reads in 200 cases");
        Assert.True(filtered > 50, $"{filtered} of 200 cases with a key-filtered bucket");
    }

    /// <summary>Keys that hit the rules (each instantiated a few ways, keywords in other cases too) and random ones.</summary>
    internal static List<string> Keys(Case c)
    {
        var random = new Random(c.KeySeed);
        var keys = new List<string>();
        foreach (var rule in c.Rules)
        {
            for (var i = 0; i < 3; i++)
            {
                keys.Add(rule.Kind switch
                {
                    RuleKind.Prefix => rule.Value + Text(random, 3, slash: true),
                    RuleKind.Keyword => Text(random, 3, slash: true) + Recased(rule.Value, random) + Text(random, 3, slash: true),
                    _ => Instance(rule.Value, random),
                });
            }
        }
        for (var i = 0; i < 10; i++)
            keys.Add(Text(random, 8, slash: true));
        keys.RemoveAll(k => k.Length == 0);
        return keys.Count > 0 ? keys : ["a"];
    }

    /// <summary>A key the glob matches: each wildcard replaced by a random run it allows.</summary>
    private static string Instance(string glob, Random random)
    {
        var key = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/')
                {
                    i++;
                    key.Append(random.Next(2) == 0 ? "" : Text(random, 4, slash: true) + "/");
                }
                else
                {
                    key.Append(Text(random, 4, slash: true));
                }
            }
            else if (glob[i] == '*')
            {
                key.Append(Text(random, 3, slash: false));
            }
            else if (glob[i] == '?')
            {
                key.Append(Text(random, 1, slash: false, atLeastOne: true));
            }
            else
            {
                key.Append(glob[i]);
            }
        }
        return key.ToString();
    }

    private static string Text(Random random, int maxLength, bool slash, bool atLeastOne = false)
    {
        var length = atLeastOne ? maxLength : random.Next(maxLength + 1);
        var text = new StringBuilder();
        while (text.Length < length)
        {
            var c = Alphabet[random.Next(Alphabet.Length)];
            if (slash || c != '/')
                text.Append(c);
        }
        return text.ToString();
    }

    private static string Recased(string keyword, Random random) =>
        new([.. keyword.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c))]);

    /// <summary>
    /// The x-amz-copy-source forms a client may send for one object, and whether CloudTrail's resources name it:
    /// bucket/key, /bucket/key, URL-encoded, with ?versionId=, and through an access point.
    /// </summary>
    private static IEnumerable<(string Header, bool Named)> CopySourceForms((string Bucket, string Key) source, Random random)
    {
        var (bucket, key) = source;
        var version = "?versionId=3HL4kqtJvjVBH40Nrjfkd";
        // A '?' or '%' in a key is sent encoded, or S3 would read a query or an escape.
        var literal = key.Contains('?', StringComparison.Ordinal) || key.Contains('%', StringComparison.Ordinal) ? null : key;
        if (literal is not null)
        {
            yield return ($"{bucket}/{literal}", true);
            yield return ($"/{bucket}/{literal}", true);
            yield return ($"{bucket}/{literal}{version}", true);
        }
        yield return ($"{bucket}/{Uri.EscapeDataString(key)}", true);
        yield return ($"{Uri.EscapeDataString(bucket + "/" + key)}{(random.Next(2) == 0 ? version : "")}", true);
        var accessPoint = $"arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap/object/{Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal)}";
        yield return (accessPoint, false);
        yield return ("/" + accessPoint, false);
    }
}
