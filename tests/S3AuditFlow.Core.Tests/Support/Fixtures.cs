using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Tests.Support;

/// <summary>Fixture files, read from the copy beside the test assembly (tests/fixtures/**), never from outside the repository.</summary>
internal static class Fixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string CloudTrailDir { get; } = Path.Combine(Root, "cloudtrail");

    public static string PublicDir { get; } = Path.Combine(CloudTrailDir, "public");

    /// <summary>A file under fixtures/cloudtrail, e.g. "record-GetObject-iamuser.json" or "public/x.json".</summary>
    public static string CloudTrail(string name) => Path.Combine(CloudTrailDir, name);

    public static JsonElement Element(string name) => Parse(File.ReadAllText(CloudTrail(name)));

    /// <summary>A mutable copy, for variations of a real record (a field removed or changed).</summary>
    public static JsonObject Node(string name) => JsonNode.Parse(File.ReadAllText(CloudTrail(name)))!.AsObject();

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement ToElement(JsonNode node) => Parse(node.ToJsonString());

    public static CloudTrailParser DefaultParser() => new(new HashSet<string>(AuditConfig.DefaultMonitoredEvents, StringComparer.Ordinal));

    /// <summary>The access a fixture parses to with the default monitored events; fails the test when it is not one.</summary>
    public static S3Access Access(string name) => AccessOf(Element(name));

    public static S3Access AccessOf(JsonElement record)
    {
        var result = DefaultParser().Parse(record);
        Assert.True(result.Access is not null, $"expected an access, got {result.Final}: {result.Reason}");
        return result.Access!;
    }
}
