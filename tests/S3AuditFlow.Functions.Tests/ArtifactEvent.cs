using System.Text.Json;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>The EventBridge-wrapped CloudTrail GetObject every artifact test invokes with.</summary>
internal static class ArtifactEvent
{
    public const string Fixture = "eventbridge-GetObject-sso-role.json";
    public const string EventId = "c2f4a6b8-1d3e-4f50-9a7b-8c9d0e1f2a3b";
    public const string Bucket = "acme-finance-exports";
    public const string Key = "payroll/2024-10/salaries.xlsx";

    public static string Payload => File.ReadAllText(System.IO.Path.Combine(RepoPaths.Root, "tests", "fixtures", "cloudtrail", Fixture));

    /// <summary>Asserts the function answered with the parsed access and logged one decision line without the event body.</summary>
    public static void AssertParsed(RuntimeReply reply, string output)
    {
        Assert.False(reply.IsError, $"expected a response, got error {reply.ErrorType}: {reply.Body}\n{output}");
        using var document = JsonDocument.Parse(reply.Body);
        var root = document.RootElement;
        Assert.True(root.GetProperty("applicable").GetBoolean(), reply.Body);
        var access = root.GetProperty("access");
        Assert.Equal(JsonValueKind.Object, access.ValueKind);
        Assert.Equal(EventId, access.GetProperty("eventId").GetString());
        Assert.Equal("GetObject", access.GetProperty("eventName").GetString());
        Assert.Equal(Bucket, access.GetProperty("bucket").GetString());
        Assert.Equal(Key, access.GetProperty("key").GetString());
        // Logs are data: a JSON decision line naming the step and event, never the CloudTrail payload itself.
        Assert.Contains(output.Split('\n'), line => line.StartsWith('{') && line.Contains("\"step\":\"ParseEvent\"", StringComparison.Ordinal) && line.Contains(EventId, StringComparison.Ordinal));
        Assert.DoesNotContain("x-amz-id-2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-cli/2.17.60", output, StringComparison.Ordinal);
    }
}
