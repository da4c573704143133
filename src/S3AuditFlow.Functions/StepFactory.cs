using S3AuditFlow.Aws;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Functions.Steps;

namespace S3AuditFlow.Functions;

/// <summary>Builds the step a function serves from its settings; clients live for the whole process, so caches survive warm invocations.</summary>
public static class StepFactory
{
    /// <summary>Creates the step.</summary>
    public static IStep Create(StepSettings settings, TimeProvider time)
    {
        var target = new AwsTarget(EndpointUrl: settings.DynamoDbEndpoint, Region: Environment.GetEnvironmentVariable("AWS_REGION"));
        return settings.Step switch
        {
            "ParseEvent" => new ParseEventStep(settings.MonitoredEvents.ToHashSet(StringComparer.Ordinal), settings.MonitoredBuckets?.ToHashSet(StringComparer.Ordinal)),
            "CheckAllowlist" => new CheckAllowlistStep(Config(settings, target, time)),
            "ClassifySensitivity" => new ClassifySensitivityStep(Config(settings, target, time)),
            "DeduplicateAlert" => new DeduplicateAlertStep(new DynamoDedupStore(target.CreateDynamoDb(), StepSettings.Required(settings.DedupTable, "S3AUDIT_DEDUP_TABLE"), settings.DedupWindow, settings.BurstLimit, harvest: settings.Harvest)),
            "CompileFilters" => new CompileFiltersStep(
                new DynamoConfigStore(target.CreateDynamoDb(), StepSettings.Required(settings.ConfigTable, "S3AUDIT_CONFIG_TABLE"), Warn),
                settings.MonitoredBuckets ?? throw new InvalidOperationException("S3AUDIT_MONITORED_BUCKETS is not set"),
                settings.MonitoredEvents,
                // Case-exact keywords stay off: a filter narrower than the rules would silently miss reads they alert on.
                new FilterOptions(Partition: FilterOptions.PartitionOf(Environment.GetEnvironmentVariable("AWS_REGION")))),
            _ => throw new InvalidOperationException($"unknown step {settings.Step}"),
        };
    }

    private static CachedConfigSource Config(StepSettings settings, AwsTarget target, TimeProvider time)
    {
        var table = StepSettings.Required(settings.ConfigTable, "S3AUDIT_CONFIG_TABLE");
        var store = new DynamoConfigStore(target.CreateDynamoDb(), table, Warn);
        return new CachedConfigSource(store, time, settings.CachePeriod, Warn);
    }

    private static void Warn(string message) => StepLog.Decision("config", null, "warning", message);
}
