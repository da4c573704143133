using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Functions;

/// <summary>What the template sets on each function, read once at start.</summary>
public sealed record StepSettings(
    string Step,
    string? ConfigTable,
    string? DedupTable,
    IReadOnlyList<string> MonitoredEvents,
    IReadOnlyList<string>? MonitoredBuckets,
    TimeSpan DedupWindow,
    int BurstLimit,
    TimeSpan CachePeriod,
    string? DynamoDbEndpoint,
    HarvestPolicy Harvest)
{
    /// <summary>The step names S3AUDIT_STEP accepts, one per state.</summary>
    public static readonly string[] Steps = ["ParseEvent", "CheckAllowlist", "ClassifySensitivity", "DeduplicateAlert", "CompileFilters"];

    /// <summary>Reads the environment; a bad value throws, which the loop reports as an init error.</summary>
    public static StepSettings FromEnvironment(Func<string, string?> env)
    {
        var step = env("S3AUDIT_STEP") ?? throw new InvalidOperationException("S3AUDIT_STEP is not set (one of " + string.Join(", ", Steps) + ")");
        if (!Steps.Contains(step))
            throw new InvalidOperationException($"S3AUDIT_STEP \"{step}\" is not one of {string.Join(", ", Steps)}");
        var monitored = env("S3AUDIT_MONITORED_EVENTS") is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. AuditConfig.DefaultMonitoredEvents];
        return new StepSettings(
            step,
            env("S3AUDIT_CONFIG_TABLE"),
            env("S3AUDIT_DEDUP_TABLE"),
            monitored,
            env("S3AUDIT_MONITORED_BUCKETS") is { Length: > 0 } buckets
                ? buckets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null,
            TimeSpan.FromMinutes(Number(env, "S3AUDIT_DEDUP_WINDOW_MINUTES", AuditConfig.DefaultDedupWindow.TotalMinutes)),
            env("S3AUDIT_BURST_LIMIT") is { } burst
                ? int.TryParse(burst, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) ? limit
                    : throw new InvalidOperationException($"S3AUDIT_BURST_LIMIT \"{burst}\" is not a whole number (0: no limit)")
                : AuditConfig.DefaultBurstLimit,
            TimeSpan.FromSeconds(Number(env, "S3AUDIT_CACHE_SECONDS", 60)),
            env("AWS_ENDPOINT_URL_DYNAMODB"),
            HarvestThresholds(env("S3AUDIT_HARVEST_THRESHOLDS")));
    }

    /// <summary>"100,1000,...": unset means the default thresholds, empty means no harvest notifications.</summary>
    private static HarvestPolicy HarvestThresholds(string? text)
    {
        if (text is null)
            return HarvestPolicy.Default;
        try
        {
            return HarvestPolicy.Parse(text);
        }
        catch (ConfigException e)
        {
            throw new InvalidOperationException($"S3AUDIT_HARVEST_THRESHOLDS \"{text}\": {e.Message}", e);
        }
    }

    /// <summary>The table a step needs; a missing one is a deployment error.</summary>
    public static string Required(string? value, string name) =>
        value ?? throw new InvalidOperationException($"{name} is not set");

    private static double Number(Func<string, string?> env, string name, double fallback)
    {
        var text = env(name);
        if (text is null)
            return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{name} \"{text}\" is not a positive number");
    }
}
