using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Harvest;

namespace S3AuditFlow.Functions.Tests;

/// <summary>What the template sets on a function, read at start; a bad value is an init error, never a silent default.</summary>
public class StepSettingsTests
{
    private static StepSettings Read(params (string Name, string Value)[] variables)
    {
        var env = variables.ToDictionary(v => v.Name, v => v.Value);
        return StepSettings.FromEnvironment(name => env.GetValueOrDefault(name));
    }

    [Fact]
    public void Defaults_are_the_engines_defaults()
    {
        var settings = Read(("S3AUDIT_STEP", "DeduplicateAlert"));

        Assert.Equal(AuditConfig.DefaultMonitoredEvents, settings.MonitoredEvents);
        Assert.Null(settings.MonitoredBuckets);
        Assert.Equal(AuditConfig.DefaultDedupWindow, settings.DedupWindow);
        Assert.Equal(AuditConfig.DefaultBurstLimit, settings.BurstLimit);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.CachePeriod);
        Assert.Same(HarvestPolicy.Default, settings.Harvest);
    }

    [Theory]
    [InlineData("100,1000,10000,100000", new long[] { 100, 1000, 10000, 100000 })]
    [InlineData(" 50 , 500 ", new long[] { 50, 500 })]
    [InlineData("", new long[0])]
    public void Harvest_thresholds_are_read_and_an_empty_value_turns_harvests_off(string value, long[] expected)
    {
        var settings = Read(("S3AUDIT_STEP", "DeduplicateAlert"), ("S3AUDIT_HARVEST_THRESHOLDS", value));

        Assert.Equal(expected, settings.Harvest.Thresholds);
    }

    [Fact]
    public void Values_the_template_sets_are_read()
    {
        var settings = Read(("S3AUDIT_STEP", "ParseEvent"), ("S3AUDIT_MONITORED_EVENTS", "GetObject, CopyObject"),
            ("S3AUDIT_MONITORED_BUCKETS", "a,b"), ("S3AUDIT_DEDUP_WINDOW_MINUTES", "30"), ("S3AUDIT_BURST_LIMIT", "0"));

        Assert.Equal(["GetObject", "CopyObject"], settings.MonitoredEvents);
        Assert.Equal(["a", "b"], settings.MonitoredBuckets!);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.DedupWindow);
        Assert.Equal(0, settings.BurstLimit);
    }

    [Theory]
    [InlineData("S3AUDIT_STEP", "Publish", "S3AUDIT_STEP \"Publish\"")]
    [InlineData("S3AUDIT_DEDUP_WINDOW_MINUTES", "-1", "S3AUDIT_DEDUP_WINDOW_MINUTES \"-1\"")]
    [InlineData("S3AUDIT_BURST_LIMIT", "ten", "S3AUDIT_BURST_LIMIT \"ten\"")]
    [InlineData("S3AUDIT_HARVEST_THRESHOLDS", "1000,100", "S3AUDIT_HARVEST_THRESHOLDS \"1000,100\": harvestThresholds[1] 100: thresholds must be strictly ascending")]
    [InlineData("S3AUDIT_HARVEST_THRESHOLDS", "100;1000", "S3AUDIT_HARVEST_THRESHOLDS \"100;1000\"")]
    public void A_bad_value_fails_the_start_naming_the_variable(string name, string value, string expected)
    {
        var variables = new Dictionary<string, string> { ["S3AUDIT_STEP"] = "ParseEvent", [name] = value };

        var error = Assert.Throws<InvalidOperationException>(() => StepSettings.FromEnvironment(n => variables.GetValueOrDefault(n)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
