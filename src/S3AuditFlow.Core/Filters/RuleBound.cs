using System.Text;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Filters;

/// <summary>
/// What one rule says about the keys it matches, in terms EventBridge and CloudTrail can test. Every field is a
/// superset of the rule: a key the rule matches always passes; a key it does not match may pass too.
/// </summary>
/// <param name="Key">The EventBridge condition on the object key; null when none bounds the rule (see <paramref name="KeyWhy"/>).</param>
/// <param name="KeyWhy">Why the key cannot be filtered for this rule, or a caveat when it is filtered narrower than the rule (case-exact keywords).</param>
/// <param name="Trail">The trail's bound on the key (StartsWith a literal start, EndsWith a literal end); null: the trail logs the bucket whole.</param>
/// <param name="TrailWhy">Why the trail cannot bound the key.</param>
/// <param name="Literals">The literal start and end every matching key has, for the copy-source condition; null for a keyword (it may stand anywhere).</param>
public sealed record RuleBound(
    SensitivityRule Rule,
    KeyCondition? Key,
    string? KeyWhy,
    TrailCondition? Trail,
    string? TrailWhy,
    (string Prefix, string Suffix)? Literals)
{
    /// <summary>
    /// Wildcards one EventBridge value may carry. EventBridge refuses rules whose wildcards make matching too costly and
    /// publishes no exact bound (the event-ruler README measures the cost growing with wildcard count and repeats),
    /// so a glob with more is widened to its literal start and end, which needs one.
    /// </summary>
    public const int MaxWildcardStars = 4;

    /// <summary>The bound of one rule.</summary>
    public static RuleBound Of(SensitivityRule rule, FilterOptions options) => rule.Kind switch
    {
        RuleKind.Prefix => new RuleBound(rule, new KeyCondition(KeyMatch.Prefix, rule.Value), null,
            new TrailCondition(rule.Value, ""), null, (rule.Value, "")),
        RuleKind.Keyword => OfKeyword(rule, options),
        _ => OfGlob(rule),
    };

    private static RuleBound OfKeyword(SensitivityRule rule, FilterOptions options)
    {
        const string trailWhy = "a keyword may stand anywhere in the key: CloudTrail's StartsWith/EndsWith cannot bound it";
        if (!options.CaseExactKeywords)
        {
            return new RuleBound(rule, null,
                "a keyword matches in any case and EventBridge's wildcard is case-sensitive (--case-exact-keywords filters on the case written, narrower than the rule)",
                null, trailWhy, null);
        }
        var condition = new KeyCondition(KeyMatch.Wildcard, "*" + KeyCondition.EscapeWildcard(rule.Value) + "*");
        return new RuleBound(rule, condition, $"case-exact: only \"{rule.Value}\" as written passes, though the rule also matches other cases",
            null, trailWhy, null);
    }

    private static RuleBound OfGlob(SensitivityRule rule)
    {
        var glob = Glob.Compile(rule.Value);
        var (prefix, suffix) = (glob.LiteralPrefix, glob.LiteralSuffix);
        var trail = prefix.Length == 0 && suffix.Length == 0 ? null : new TrailCondition(prefix, suffix);
        var trailWhy = trail is null ? "the glob has no literal start or end for StartsWith/EndsWith" : null;
        var (key, keyWhy) = GlobKey(glob, prefix, suffix);
        return new RuleBound(rule, key, keyWhy, trail, trailWhy, (prefix, suffix));
    }

    /// <summary>
    /// The glob as an EventBridge value: literals escaped, and every wildcard (<c>*</c>, <c>**</c>, <c>**/</c>, <c>?</c>)
    /// one <c>*</c>, which matches any run including <c>/</c> and nothing — wider than each, never narrower.
    /// </summary>
    private static (KeyCondition? Key, string? Why) GlobKey(Glob glob, string prefix, string suffix)
    {
        var value = new StringBuilder();
        var stars = 0;
        var lastWasStar = false;
        foreach (var (op, c) in glob.Steps)
        {
            switch (op)
            {
                case Glob.Op.Char:
                    value.Append(KeyCondition.EscapeWildcard(c.ToString()));
                    lastWasStar = false;
                    break;
                case Glob.Op.DirSlash:
                    // The optional '/' of "**/": the star written for its "**" already covers it.
                    break;
                default:
                    // EventBridge refuses consecutive wildcards; one star means the same as several.
                    if (!lastWasStar)
                    {
                        value.Append('*');
                        stars++;
                    }
                    lastWasStar = true;
                    break;
            }
        }
        if (stars == 0)
            return (new KeyCondition(KeyMatch.Exact, prefix), null);
        if (stars == 1 || stars > MaxWildcardStars)
        {
            // One star sits between the literal start and end; more than the bound are widened to that.
            return KeyCondition.Between(prefix, suffix) is { } between
                ? (between, stars > 1 ? $"widened to its literal start and end: more than {MaxWildcardStars} wildcards" : null)
                : (null, "the glob has no literal start or end to filter on" + (stars > 1 ? $" (and more than {MaxWildcardStars} wildcards for an EventBridge value)" : ""));
        }
        return (new KeyCondition(KeyMatch.Wildcard, value.ToString()), null);
    }
}

/// <summary>
/// The trail's bound on a key: it starts with <see cref="KeyPrefix"/> and ends with <see cref="KeySuffix"/> ("" for
/// no bound on that side), tested on the object ARN with StartsWith <c>arn:…:s3:::BUCKET/KeyPrefix</c> and EndsWith
/// <c>KeySuffix</c>.
/// </summary>
public sealed record TrailCondition(string KeyPrefix, string KeySuffix)
{
    /// <summary>The whole bucket.</summary>
    public static readonly TrailCondition Whole = new("", "");

    /// <summary>True when this condition passes every key <paramref name="other"/> passes.</summary>
    public bool Covers(TrailCondition other) =>
        other.KeyPrefix.StartsWith(KeyPrefix, StringComparison.Ordinal) && other.KeySuffix.EndsWith(KeySuffix, StringComparison.Ordinal);
}
