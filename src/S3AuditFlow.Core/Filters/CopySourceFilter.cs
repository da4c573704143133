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
    /// The sources passed whatever the rules, the ones no literal bounds: percent-encoded, an access point ARN, two
    /// leading slashes. (A <c>+</c> is not decoded, by S3's path decoding nor by <see cref="Events.CopySource"/>, so it is
    /// literal text.)
    /// </summary>
    public static readonly IReadOnlyList<KeyCondition> AlwaysPassed =
    [
        new(KeyMatch.Wildcard, "*%*"),
        new(KeyMatch.Prefix, "arn:"),
        new(KeyMatch.Prefix, "/arn:"),
        new(KeyMatch.Prefix, "//"),
    ];

    /// <summary>
    /// The conditions for every rule, with as few wildcards as will do (EventBridge refuses patterns with many). A
    /// bucket's own rule names the bucket, so prefixes suffice: <c>BUCKET/START</c> and <c>/BUCKET/START</c> (a
    /// <c>?versionId=</c> or the key's end only follow them). A copy's source may be any bucket (a copy into a monitored
    /// bucket is judged whatever it reads), so a global rule leaves the bucket open: <c>*/START*</c>, or <c>*END*</c>
    /// when it has no literal start; a global keyword only bounds the header as a case-exact <c>*KEYWORD*</c>.
    /// </summary>
    public static CopySourceFilter Of(IEnumerable<RuleBound> bounds)
    {
        var conditions = new List<KeyCondition>();
        var blockers = new List<RuleBound>();
        foreach (var bound in bounds)
        {
            var (prefix, suffix) = bound.Literals ?? ("", "");
            if (bound.Rule.Bucket is { } bucket)
            {
                // A keyword has no literal start: every copy from its bucket passes.
                conditions.Add(new KeyCondition(KeyMatch.Prefix, $"{bucket}/{prefix}"));
                conditions.Add(new KeyCondition(KeyMatch.Prefix, $"/{bucket}/{prefix}"));
            }
            else if (bound.Literals is null && bound.Key is { } exact)
            {
                conditions.Add(exact);
            }
            else if (prefix.Length > 0 || suffix.Length > 0)
            {
                conditions.Add(new KeyCondition(KeyMatch.Wildcard,
                    prefix.Length > 0 ? "*/" + KeyCondition.EscapeWildcard(prefix) + "*" : "*" + KeyCondition.EscapeWildcard(suffix) + "*"));
            }
            else
            {
                blockers.Add(bound);
            }
        }
        return new CopySourceFilter(blockers.Count == 0 ? [.. AlwaysPassed, .. KeyCondition.Sorted(conditions).Except(AlwaysPassed)] : null, blockers);
    }
}
