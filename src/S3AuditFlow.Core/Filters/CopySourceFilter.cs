namespace S3AuditFlow.Core.Filters;

/// <summary>
/// EventBridge conditions on <c>requestParameters.x-amz-copy-source</c>, the object a CopyObject or UploadPartCopy
/// reads. CloudTrail logs the header as the client sent it: <c>bucket/key</c> or <c>/bucket/key</c>, maybe
/// URL-encoded, maybe ending in <c>?versionId=…</c>, or an access point ARN
/// <c>arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY</c>. Any character may be percent-encoded (a client
/// may even send <c>%63ardholder</c>), so no literal can be bounded once a <c>%</c> appears: every value holding one
/// passes, as does every access point source (its bucket is found later, from the record or the access point map)
/// and every value with two leading slashes. What is left is literal text, where the source key is exactly the text
/// between the bucket's slash and the first <c>?</c>.
/// </summary>
/// <param name="Conditions">Any of which passes; null when the copy source cannot be filtered (see <paramref name="Blockers"/>).</param>
public sealed record CopySourceFilter(IReadOnlyList<KeyCondition>? Conditions, IReadOnlyList<RuleBound> Blockers)
{
    /// <summary>
    /// The sources passed whatever the rules, the ones no literal bounds: percent-encoded; holding a <c>+</c>, which a
    /// form encoder (java.net.URLEncoder) writes for a space; an access point ARN; two leading slashes.
    /// </summary>
    public static readonly IReadOnlyList<KeyCondition> AlwaysPassed =
    [
        new(KeyMatch.Wildcard, "*%*"),
        new(KeyMatch.Wildcard, "*+*"),
        new(KeyMatch.Prefix, "arn:"),
        new(KeyMatch.Prefix, "/arn:"),
        new(KeyMatch.Prefix, "//"),
    ];

    /// <summary>
    /// The conditions for every rule. A copy's source may be any bucket (a copy into a monitored bucket is judged
    /// whatever it reads), so a global rule's condition leaves the bucket open: <c>*/START*END*</c>. A bucket's own
    /// rule names it: <c>*BUCKET/START*END*</c>. The leading star takes leading slashes, the trailing one a
    /// <c>?versionId=</c>.
    /// </summary>
    public static CopySourceFilter Of(IEnumerable<RuleBound> bounds)
    {
        var conditions = new List<KeyCondition>();
        var blockers = new List<RuleBound>();
        foreach (var bound in bounds)
        {
            if (bound.Literals is not { } literals)
            {
                // A keyword: its case-exact condition (the key's own) holds for the whole header too; without it, a
                // bucket's keyword still names the bucket (every copy from it passes), a global one bounds nothing.
                if (bound.Key is { } exact)
                    conditions.Add(exact);
                else if (bound.Rule.Bucket is { } bucket)
                    conditions.Add(new KeyCondition(KeyMatch.Wildcard, "*" + KeyCondition.EscapeWildcard(bucket + "/") + "*"));
                else
                    blockers.Add(bound);
                continue;
            }
            if (bound.Rule.Bucket is null && literals.Prefix.Length == 0 && literals.Suffix.Length == 0)
            {
                blockers.Add(bound);
                continue;
            }
            var value = "*" + KeyCondition.EscapeWildcard(bound.Rule.Bucket + "/" + literals.Prefix) + "*"
                + (literals.Suffix.Length == 0 ? "" : KeyCondition.EscapeWildcard(literals.Suffix) + "*");
            conditions.Add(new KeyCondition(KeyMatch.Wildcard, value));
        }
        return new CopySourceFilter(blockers.Count == 0 ? [.. AlwaysPassed, .. KeyCondition.Sorted(conditions).Except(AlwaysPassed)] : null, blockers);
    }
}
