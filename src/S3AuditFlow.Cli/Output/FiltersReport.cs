using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>`s3audit filters` output: per bucket for a person (text), or what a deployment applies (json).</summary>
public static class FiltersReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// The text view: one block per monitored bucket (and one for any bucket the rules do not name), then the copy
    /// sources and every note on a limit.
    /// </summary>
    /// <param name="compiled">Null when no bucket is monitored or named: only the block for other buckets is shown.</param>
    /// <param name="named">True when the buckets came from --bucket, so "other buckets" are not monitored.</param>
    public static void WriteText(TextWriter output, CompiledFilters? compiled, BucketFilter other, IReadOnlyList<string> events, FilterOptions options, bool named)
    {
        var buckets = compiled?.Buckets ?? [];
        output.WriteLine($"Pre-filters for {buckets.Count} monitored bucket{(buckets.Count == 1 ? "" : "s")}, events {string.Join(", ", events)}; "
            + (options.CaseExactKeywords ? "keyword rules filtered on their written case (--case-exact-keywords)" : "keyword rules match any case, so they keep a bucket unfiltered"));
        output.WriteLine("A superset of the rules: every read a rule matches passes; some reads no rule matches pass too.");
        foreach (var bucket in buckets)
            WriteBucket(output, bucket, options);
        if (!named)
        {
            output.WriteLine();
            output.WriteLine("Other monitored buckets (pass each with --bucket for its exact filters): the global rules only");
            WriteBucket(output, other, options);
        }
        if (compiled is null)
            return;
        output.WriteLine();
        output.WriteLine("copy source (x-amz-copy-source, both rules)");
        if (compiled.CopySource.Conditions is { } conditions)
        {
            output.WriteLine("  filtered     " + string.Join(" | ", conditions));
            output.WriteLine("               (percent-encoded and access point sources always pass: their bucket or key cannot be bounded)");
        }
        else
        {
            foreach (var blocker in compiled.CopySource.Blockers)
                output.WriteLine($"  NOT filtered {blocker.Rule.Describe()}: {blocker.KeyWhy ?? blocker.TrailWhy}");
        }
        if (compiled.Notes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("notes");
            foreach (var note in compiled.Notes)
                output.WriteLine("  - " + note);
        }
        output.WriteLine();
        output.WriteLine("--format json prints the exact EventBridge patterns (S3ObjectRead, S3ObjectCopyOut) and the trail's AdvancedEventSelectors.");
    }

    private static void WriteBucket(TextWriter output, BucketFilter bucket, FilterOptions options)
    {
        output.WriteLine();
        output.WriteLine("bucket " + (bucket.Bucket ?? "(any other)"));
        if (bucket.Rules.Count == 0)
        {
            output.WriteLine("  rules        none apply: no read of this bucket can alert");
            output.WriteLine("  EventBridge  no read passes (copies into it are still judged on their source)");
            output.WriteLine("  trail        reads not logged (copies touching it are logged whole)");
            return;
        }
        output.WriteLine("  rules        " + string.Join("; ", bucket.Rules.Select(r => $"{r.Rule.Describe()} ({r.Rule.Level.Name()})")));
        if (bucket.Key is { } key)
        {
            output.WriteLine("  EventBridge  key filtered: " + string.Join(" | ", key));
            foreach (var caveat in bucket.Rules.Where(r => r.KeyWhy is not null))
                output.WriteLine($"               {caveat.Rule.Describe()}: {caveat.KeyWhy}");
        }
        else
        {
            output.WriteLine("  EventBridge  NOT key-filtered, every read passes, because of:");
            foreach (var blocker in bucket.KeyBlockers)
                output.WriteLine($"               {blocker.Rule.Describe()}: {blocker.KeyWhy}");
        }
        if (bucket.Trail.Contains(TrailCondition.Whole))
        {
            output.WriteLine("  trail        logs the whole bucket, because of:");
            foreach (var blocker in bucket.TrailBlockers)
                output.WriteLine($"               {blocker.Rule.Describe()}: {blocker.TrailWhy}");
        }
        else
        {
            var arn = TrailSelectors.Arn(options, bucket.Bucket ?? "BUCKET", "");
            output.WriteLine("  trail        " + string.Join(" | ", bucket.Trail.Select(c =>
                $"StartsWith {arn}{c.KeyPrefix}" + (c.KeySuffix.Length > 0 ? $" and EndsWith {c.KeySuffix}" : ""))));
        }
    }

    /// <summary>The json view: the patterns and selectors as applied, with the per-bucket explanation beside them.</summary>
    public static void WriteJson(TextWriter output, CompiledFilters compiled, IReadOnlyList<string> events, FilterOptions options)
    {
        var document = new JsonObject
        {
            ["monitoredBuckets"] = Strings(compiled.Buckets.Select(b => b.Bucket!)),
            ["monitoredEvents"] = Strings(events),
            ["caseExactKeywords"] = options.CaseExactKeywords,
            ["eventBridge"] = new JsonObject
            {
                ["S3ObjectRead"] = compiled.ReadRule.DeepClone(),
                ["S3ObjectCopyOut"] = compiled.CopyOutRule?.DeepClone(),
            },
            ["trail"] = new JsonObject { ["AdvancedEventSelectors"] = compiled.Trail.DeepClone() },
            ["buckets"] = new JsonArray([.. compiled.Buckets.Select(Bucket)]),
            ["copySource"] = new JsonObject
            {
                ["filtered"] = compiled.CopySource.Conditions is not null,
                ["conditions"] = compiled.CopySource.Conditions is { } c ? new JsonArray([.. c.Select(k => k.ToJson())]) : null,
                ["blockers"] = new JsonArray([.. compiled.CopySource.Blockers.Select(Rule)]),
            },
            ["notes"] = Strings(compiled.Notes),
        };
        output.WriteLine(document.ToJsonString(Indented));
    }

    private static JsonObject Bucket(BucketFilter bucket) => new()
    {
        ["bucket"] = bucket.Bucket,
        ["keyFiltered"] = bucket.Key is not null,
        ["key"] = bucket.Key is { } key ? new JsonArray([.. key.Select(k => k.ToJson())]) : null,
        ["trail"] = new JsonArray([.. bucket.Trail.Select(c => new JsonObject { ["keyStartsWith"] = c.KeyPrefix, ["keyEndsWith"] = c.KeySuffix })]),
        ["rules"] = new JsonArray([.. bucket.Rules.Select(Rule)]),
    };

    private static JsonObject Rule(RuleBound bound) => new()
    {
        ["type"] = SensitivityRule.KindName(bound.Rule.Kind),
        ["value"] = bound.Rule.Value,
        ["level"] = bound.Rule.Level.Name(),
        ["bucket"] = bound.Rule.Bucket,
        ["key"] = bound.Key?.ToJson(),
        ["keyWhy"] = bound.KeyWhy,
        ["trailWhy"] = bound.TrailWhy,
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
