using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Filters;

/// <summary>
/// The trail's advanced event selectors. CloudTrail logs an event when any selector matches it, a selector matching
/// when all its field selectors do; each field selector here has one operator, whose values are alternatives. A
/// StartsWith and an EndsWith on <c>resources.ARN</c> in one selector both hold for the event's object ARN.
/// </summary>
public static class TrailSelectors
{
    /// <summary>The selectors, within CloudTrail's quota of 500 values per trail, widened (with a note) to fit it.</summary>
    public static JsonArray Build(IReadOnlyList<string> events, IReadOnlyList<BucketFilter> buckets, FilterOptions options, List<string> notes)
    {
        var whole = buckets.Select(b => Arn(options, b.Bucket!, "")).ToList();
        var copies = events.Intersect(EventPatterns.CopyEvents).ToList();
        var reads = events.Except(EventPatterns.CopyEvents).ToList();
        var selectors = new List<JsonObject>();
        // A copy alerts on its source or its destination, in any bucket the rules reach; the record names both
        // objects, so a copy touching a monitored bucket is logged whole and the workflow judges it.
        if (copies.Count > 0)
            selectors.Add(Selector("S3AuditFlow: copies touching the monitored buckets", copies, whole, []));

        var conditions = buckets.SelectMany(b => b.Trail.Select(c => (Start: Arn(options, b.Bucket!, c.KeyPrefix), End: c.KeySuffix))).ToList();
        var starts = conditions.Where(c => c.End.Length == 0).Select(c => c.Start).ToList();
        var bySuffix = conditions.Where(c => c.End.Length > 0 && !starts.Any(s => c.Start.StartsWith(s, StringComparison.Ordinal)))
            .GroupBy(c => c.End, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var readSelectors = new List<JsonObject>();
        if (reads.Count > 0 && starts.Count > 0)
            readSelectors.Add(Selector("S3AuditFlow: sensitive reads", reads, starts, []));
        if (reads.Count > 0)
            readSelectors.AddRange(bySuffix.Select(g => Selector($"S3AuditFlow: sensitive reads ending {g.Key}", reads, [.. g.Select(c => c.Start).Distinct()], [g.Key])));

        if (selectors.Count + readSelectors.Count == 0)
        {
            notes.Add("trail: no rule can match a monitored read; the buckets are logged whole rather than by an empty selector list");
            return new JsonArray(Selector("S3AuditFlow: monitored buckets", events, whole, []));
        }
        if (Values(selectors.Concat(readSelectors)) > FilterOptions.MaxTrailValues && reads.Count > 0 && bySuffix.Count > 1)
        {
            notes.Add($"trail: one selector per key ending would exceed CloudTrail's {FilterOptions.MaxTrailValues} values; the endings share one selector (any listed start with any listed end)");
            readSelectors = [.. readSelectors.Take(starts.Count > 0 ? 1 : 0),
                Selector("S3AuditFlow: sensitive reads by ending", reads, [.. bySuffix.SelectMany(g => g.Select(c => c.Start)).Distinct()], [.. bySuffix.Select(g => g.Key)])];
        }
        selectors.AddRange(readSelectors);
        if (Values(selectors) > FilterOptions.MaxTrailValues)
        {
            notes.Add($"trail: the filtered selectors would exceed CloudTrail's {FilterOptions.MaxTrailValues} values; the monitored buckets are logged whole");
            selectors = [Selector("S3AuditFlow: monitored buckets", events, whole, [])];
            if (Values(selectors) > FilterOptions.MaxTrailValues)
                notes.Add($"trail: even whole buckets need more than {FilterOptions.MaxTrailValues} values: CloudTrail will refuse these selectors");
        }
        // The JsonNode[] constructor, not a collection expression: that compiles to JsonArray.Add<T>, which Native AOT refuses.
        return new JsonArray([.. selectors]);
    }

    /// <summary>The ARN of an object of the bucket whose key starts with <paramref name="keyPrefix"/>.</summary>
    public static string Arn(FilterOptions options, string bucket, string keyPrefix) => $"arn:{options.Partition}:s3:::{bucket}/{keyPrefix}";

    private static JsonObject Selector(string name, IEnumerable<string> events, IReadOnlyList<string> startsWith, IReadOnlyList<string> endsWith)
    {
        var fields = new JsonArray(
            Field("eventCategory", "Equals", ["Data"]),
            Field("resources.type", "Equals", ["AWS::S3::Object"]),
            Field("eventName", "Equals", events),
            Field("resources.ARN", "StartsWith", startsWith));
        if (endsWith.Count > 0)
            fields.Add((JsonNode)Field("resources.ARN", "EndsWith", endsWith));
        return new JsonObject { ["Name"] = name, ["FieldSelectors"] = fields };
    }

    private static JsonObject Field(string field, string op, IEnumerable<string> values) =>
        new() { ["Field"] = field, [op] = new JsonArray([.. values.Select(v => JsonValue.Create(v))]) };

    /// <summary>What counts against the quota: every value of every condition.</summary>
    private static int Values(IEnumerable<JsonObject> selectors) =>
        selectors.Sum(s => s["FieldSelectors"]!.AsArray().Sum(f => f!.AsObject().Where(p => p.Key != "Field").Sum(p => p.Value!.AsArray().Count)));
}
