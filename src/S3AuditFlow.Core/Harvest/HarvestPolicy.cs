using S3AuditFlow.Core.Config;

namespace S3AuditFlow.Core.Harvest;

/// <summary>
/// When a burst becomes a harvest worth its own notification: each threshold of objects read by one burst
/// (principal, source, bucket, outcome) is notified once. scan and the DynamoDB store use this same rule.
/// </summary>
public sealed class HarvestPolicy
{
    /// <summary>100, 1,000, 10,000 and 100,000 objects.</summary>
    public static readonly IReadOnlyList<long> DefaultThresholds = [100, 1_000, 10_000, 100_000];

    /// <summary>The default thresholds.</summary>
    public static readonly HarvestPolicy Default = new(DefaultThresholds);

    /// <summary>No harvest notifications.</summary>
    public static readonly HarvestPolicy Off = new([]);

    /// <summary>Ascending, positive, distinct.</summary>
    public IReadOnlyList<long> Thresholds { get; }

    /// <exception cref="ConfigException">A threshold is not positive, or they are not strictly ascending.</exception>
    public HarvestPolicy(IReadOnlyList<long> thresholds)
    {
        for (var i = 0; i < thresholds.Count; i++)
        {
            if (thresholds[i] < 1)
                throw new ConfigException($"harvestThresholds[{i}] {thresholds[i]}: expected a whole number of objects, 1 or more");
            if (i > 0 && thresholds[i] <= thresholds[i - 1])
                throw new ConfigException($"harvestThresholds[{i}] {thresholds[i]}: thresholds must be strictly ascending");
        }
        Thresholds = [.. thresholds];
    }

    /// <summary>
    /// The threshold to notify once a harvest has counted <paramref name="objects"/> and already notified
    /// <paramref name="notified"/> (0: none): the highest threshold reached above it, else null. Taking the highest
    /// means a notifier that died is caught up by the next object, never notified twice.
    /// </summary>
    public long? Crossed(long objects, long notified)
    {
        long? crossed = null;
        foreach (var threshold in Thresholds)
        {
            if (threshold > objects)
                break;
            if (threshold > notified)
                crossed = threshold;
        }
        return crossed;
    }

    /// <summary>"100,1000" (as in the template parameter and environment) → a policy; empty → off.</summary>
    /// <exception cref="ConfigException">Not a comma-separated list of ascending whole numbers.</exception>
    public static HarvestPolicy Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Off;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var thresholds = new List<long>(parts.Length);
        foreach (var part in parts)
        {
            if (!long.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw new ConfigException($"harvest threshold \"{part}\": expected a whole number of objects");
            thresholds.Add(value);
        }
        return new HarvestPolicy(thresholds);
    }
}
