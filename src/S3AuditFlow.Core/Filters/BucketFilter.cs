namespace S3AuditFlow.Core.Filters;

/// <summary>What the filters pass for one monitored bucket, and which rules decide it.</summary>
/// <param name="Bucket">The bucket; null for "any other bucket", which only the global rules reach.</param>
/// <param name="Rules">The rules that apply to the bucket's objects (global and its own), each with its bound.</param>
/// <param name="Key">
/// EventBridge conditions on the key, any of which passes; null when the bucket is not key-filtered (see
/// <see cref="KeyBlockers"/>); empty when no rule applies, so no read of it can alert.
/// </param>
/// <param name="Trail">The trail's bounds, any of which logs; [<see cref="TrailCondition.Whole"/>] logs the bucket whole; empty when no rule applies.</param>
public sealed record BucketFilter(string? Bucket, IReadOnlyList<RuleBound> Rules, IReadOnlyList<KeyCondition>? Key, IReadOnlyList<TrailCondition> Trail)
{
    /// <summary>The rules that keep the key unfiltered.</summary>
    public IEnumerable<RuleBound> KeyBlockers => Rules.Where(r => r.Key is null);

    /// <summary>The rules that make the trail log the bucket whole.</summary>
    public IEnumerable<RuleBound> TrailBlockers => Rules.Where(r => r.Trail is null);

    /// <summary>Builds one bucket's filter from the rules that reach it.</summary>
    public static BucketFilter Of(string? bucket, IEnumerable<RuleBound> bounds)
    {
        var rules = bounds.Where(b => b.Rule.Bucket is null || b.Rule.Bucket == bucket).ToList();
        // Sorted, so the same rules give the same patterns whatever order the table returns them in: a re-applied
        // filter that only moved would be a needless update.
        IReadOnlyList<KeyCondition>? key = rules.Any(r => r.Key is null) ? null : KeyCondition.Sorted(rules.Select(r => r.Key!));
        IReadOnlyList<TrailCondition> trail = rules.Count == 0 ? []
            : rules.Any(r => r.Trail is null) ? [TrailCondition.Whole]
            : Pruned([.. rules.Select(r => r.Trail!).Distinct()
                .OrderBy(c => c.KeyPrefix, StringComparer.Ordinal).ThenBy(c => c.KeySuffix, StringComparer.Ordinal)]);
        return new BucketFilter(bucket, rules, key, trail);
    }

    /// <summary>Drops the conditions another one already covers: fewer values against the trail's quota, the same events.</summary>
    private static List<TrailCondition> Pruned(List<TrailCondition> conditions) =>
        [.. conditions.Where((c, i) => !conditions.Where((other, j) => j != i && other.Covers(c) && (!c.Covers(other) || j < i)).Any())];
}
