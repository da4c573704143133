using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Filters;

/// <summary>
/// The two EventBridge rules of the stack, with key filters: S3ObjectRead (reads of the monitored buckets, copies into
/// them included) and S3ObjectCopyOut (copies from anywhere into other buckets). Without filters they are the
/// patterns of serverless.template; with them each adds a <c>$or</c> of branches, any of which passes an event.
/// </summary>
public static class EventPatterns
{
    /// <summary>The eventNames whose request carries <c>x-amz-copy-source</c>.</summary>
    public static readonly IReadOnlyList<string> CopyEvents = ["CopyObject", "UploadPartCopy"];

    /// <summary>S3ObjectRead with key filters, or unfiltered with the reason added to <paramref name="notes"/>.</summary>
    public static JsonObject Read(IReadOnlyList<string> events, IReadOnlyList<BucketFilter> buckets, CopySourceFilter copySource,
        FilterOptions options, List<string> notes)
    {
        var monitored = buckets.Select(b => b.Bucket!).ToList();
        var unfiltered = Pattern(events, new JsonObject { ["requestParameters"] = new JsonObject { ["bucketName"] = Strings(monitored) } });
        if (buckets.All(b => b.Key is null))
        {
            notes.Add("read rule: no monitored bucket is key-filtered");
            return unfiltered;
        }
        var branches = KeyBranches(buckets.Select(b => (Strings([b.Bucket!]), b.Key)));
        if (events.Intersect(CopyEvents).Any())
            branches.Add(Branch(Strings(monitored), "x-amz-copy-source", copySource.Conditions));
        return Filtered("read rule", events, branches, unfiltered, options, notes);
    }

    /// <summary>
    /// S3ObjectCopyOut with filters, or null when no copy is monitored. A copy to another bucket alerts when its source
    /// or its destination is sensitive, so it passes on the copy source, on the destination key by the global rules, or
    /// on the key by the destination bucket's own rules.
    /// </summary>
    public static JsonObject? CopyOut(IReadOnlyList<string> events, IReadOnlyList<string> monitored, IReadOnlyList<RuleBound> bounds,
        CopySourceFilter copySource, FilterOptions options, List<string> notes)
    {
        var copies = events.Intersect(CopyEvents).ToList();
        if (copies.Count == 0)
            return null;
        JsonArray Elsewhere() => new(new JsonObject { ["anything-but"] = Strings(monitored) }); // not [..]: JsonArray.Add<T> fails Native AOT
        var unfiltered = Pattern(copies, new JsonObject { ["requestParameters"] = new JsonObject { ["bucketName"] = Elsewhere() } });
        var global = BucketFilter.Of(null, bounds.Where(b => b.Rule.Bucket is null));
        if (copySource.Conditions is null || global.Key is null)
        {
            notes.Add("copy-out rule: not filtered (" + (copySource.Conditions is null ? "the copy source" : "the destination key by the global rules") + " cannot be)");
            return unfiltered;
        }
        var branches = new List<JsonObject> { Branch(Elsewhere(), "x-amz-copy-source", copySource.Conditions) };
        if (global.Key.Count > 0)
            branches.Add(Branch(Elsewhere(), "key", global.Key));
        var others = bounds.Select(b => b.Rule.Bucket).OfType<string>().Distinct().Where(b => !monitored.Contains(b)).Order(StringComparer.Ordinal)
            .Select(b => BucketFilter.Of(b, bounds.Where(r => r.Rule.Bucket == b)));
        branches.AddRange(KeyBranches(others.Select(b => (Strings([b.Bucket!]), b.Key))));
        return Filtered("copy-out rule", copies, branches, unfiltered, options, notes);
    }

    /// <summary>One branch per set of buckets with the same key conditions (none for a bucket no rule reaches).</summary>
    private static List<JsonObject> KeyBranches(IEnumerable<(JsonArray Buckets, IReadOnlyList<KeyCondition>? Key)> buckets) =>
        [.. buckets.Where(b => b.Key is not { Count: 0 })
            .GroupBy(b => b.Key is null ? "" : string.Join("\n", b.Key.Select(k => k.ToJson().ToJsonString())), StringComparer.Ordinal)
            .Select(g => Branch(new JsonArray([.. g.SelectMany(b => b.Buckets).Select(n => n!.DeepClone())]), "key", g.First().Key))];

    /// <summary>{"requestParameters": {"bucketName": […], FIELD: [conditions]}}; without FIELD when it is not filtered.</summary>
    private static JsonObject Branch(JsonArray bucketName, string field, IReadOnlyList<KeyCondition>? conditions)
    {
        var request = new JsonObject { ["bucketName"] = bucketName };
        if (conditions is not null)
            request[field] = new JsonArray([.. conditions.Select(c => c.ToJson())]);
        else if (field != "key")
            request[field] = new JsonArray(new JsonObject { ["exists"] = true });
        return new JsonObject { ["requestParameters"] = request };
    }

    /// <summary>
    /// The pattern with its branches. Over EventBridge's size quota, or with more wildcards on one field than
    /// <see cref="MaxWildcardsPerField"/>, the branch that weighs most (the most wildcards on that field, else the longest
    /// conditions) stops filtering — a key condition is dropped, a copy-source one becomes "exists" — then the next,
    /// until it fits; the note names each. Unfiltered when there is no branch, or nothing left to widen.
    /// </summary>
    private static JsonObject Filtered(string rule, IEnumerable<string> events, List<JsonObject> branches, JsonObject unfiltered,
        FilterOptions options, List<string> notes)
    {
        if (branches.Count == 0)
        {
            notes.Add($"{rule}: no rule can match any of its events; left unfiltered rather than a pattern that matches nothing");
            return unfiltered;
        }
        var widened = new List<string>();
        while (true)
        {
            // "$or" needs two branches or more (with one, EventBridge would read "$or" as a field name).
            var detail = branches.Count == 1 ? branches[0].DeepClone().AsObject() : new JsonObject { ["$or"] = new JsonArray([.. branches.Select(b => b.DeepClone())]) };
            var pattern = Pattern(events, detail);
            var length = pattern.ToJsonString().Length;
            var requests = branches.Select(b => b["requestParameters"]!.AsObject()).ToList();
            var crowded = WidenableFields.FirstOrDefault(f => requests.Sum(r => Wildcards(r, f)) > MaxWildcardsPerField);
            if (length <= options.MaxPatternLength && crowded is null)
            {
                if (widened.Count > 0)
                    notes.Add($"{rule}: no longer filtered, to fit EventBridge's limits: {string.Join("; ", widened)}");
                return pattern;
            }
            var candidates = requests.SelectMany(r => WidenableFields.Where(f => Widenable(r, f)).Select(f => (Request: r, Field: f)))
                .Where(c => crowded is null || (c.Field == crowded && Wildcards(c.Request, crowded) > 0)).ToList();
            if (candidates.Count == 0)
                break;
            var heaviest = crowded is null
                ? candidates.MaxBy(c => c.Request[c.Field]!.ToJsonString().Length)
                : candidates.MaxBy(c => Wildcards(c.Request, c.Field));
            var why = crowded is null
                ? $"the pattern would be {length:N0} characters, over the {options.MaxPatternLength:N0} quota"
                : $"more than {MaxWildcardsPerField} wildcards on {crowded}";
            widened.Add($"{heaviest.Field} of bucketName {heaviest.Request["bucketName"]!.ToJsonString()} ({why})");
            if (heaviest.Field == "key")
                heaviest.Request.Remove("key");
            else
                heaviest.Request[heaviest.Field] = new JsonArray(new JsonObject { ["exists"] = true });
        }
        notes.Add($"{rule}: left unfiltered: it exceeds EventBridge's limits (size {options.MaxPatternLength:N0}, {MaxWildcardsPerField} wildcards per field) even with every branch widened");
        return unfiltered;
    }

    /// <summary>
    /// Wildcard characters one field may carry across a pattern. EventBridge refuses a rule it finds too complex
    /// (InvalidEventPatternException, "Rule is too complex") without publishing the bound; a rule with four
    /// <c>*:stack/NAME/*</c> values (8 wildcards) was refused where three (6) were accepted (vals-ai/Valkyrie#278), so
    /// 6 is the most known to pass.
    /// </summary>
    public const int MaxWildcardsPerField = 6;

    /// <summary>The unescaped <c>*</c> in the field's wildcard values.</summary>
    private static int Wildcards(JsonObject request, string field) =>
        request[field] is JsonArray conditions
            ? conditions.OfType<JsonObject>().Select(c => c["wildcard"]?.GetValue<string>()).OfType<string>()
                .Sum(w => w.Replace("\\\\", "", StringComparison.Ordinal).Replace("\\*", "", StringComparison.Ordinal).Count(ch => ch == '*'))
            : 0;

    private static readonly string[] WidenableFields = ["key", "x-amz-copy-source"];

    /// <summary>True when the branch still filters on the field (it holds conditions, not the "exists" that passes any value).</summary>
    private static bool Widenable(JsonObject request, string field) =>
        request[field] is JsonArray conditions && !(conditions.Count == 1 && conditions[0] is JsonObject only && only.ContainsKey("exists"));

    private static JsonObject Pattern(IEnumerable<string> events, JsonObject detail)
    {
        var full = new JsonObject { ["eventSource"] = Strings(["s3.amazonaws.com"]), ["eventName"] = Strings(events) };
        foreach (var (name, value) in detail.ToList())
        {
            detail.Remove(name);
            full[name] = value;
        }
        return new JsonObject
        {
            ["source"] = Strings(["aws.s3"]),
            ["detail-type"] = Strings(["AWS API Call via CloudTrail"]),
            ["detail"] = full,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
