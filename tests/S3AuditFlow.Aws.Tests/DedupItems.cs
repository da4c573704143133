using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace S3AuditFlow.Aws.Tests;

/// <summary>Reading dedup table items back, to check what a store wrote.</summary>
internal static class DedupItems
{
    /// <summary>The item with this id, read consistently; null when there is none.</summary>
    public static async Task<Dictionary<string, AttributeValue>?> GetAsync(this IAmazonDynamoDB client, string table, string id)
    {
        var response = await client.GetItemAsync(new GetItemRequest
        {
            TableName = table,
            Key = new() { ["id"] = new AttributeValue { S = id } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>
    /// Puts the event item back in the state an attempt leaves when it dies after its writes but before storing its
    /// decision (a Lambda timeout): still claimed by its execution, no decision.
    /// </summary>
    public static Task ForgetDecisionAsync(this IAmazonDynamoDB client, string table, string eventId) => client.UpdateItemAsync(new UpdateItemRequest
    {
        TableName = table,
        Key = new() { ["id"] = new AttributeValue { S = "event#" + eventId } },
        UpdateExpression = "SET #status = :claimed REMOVE decision, alertId, reason, harvest",
        ExpressionAttributeNames = new() { ["#status"] = "status" },
        ExpressionAttributeValues = new() { [":claimed"] = new AttributeValue { S = "claimed" } },
    });

    /// <summary>An event item as an execution's claim leaves it, written by hand to set up a state.</summary>
    /// <param name="status">null: an item written before the store kept a status.</param>
    public static Dictionary<string, AttributeValue> EventItem(string eventId, string execution, string? status, DateTimeOffset claimedAt)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["id"] = new() { S = "event#" + eventId },
            ["executionId"] = new() { S = execution },
            ["claimedAt"] = new() { N = Millis(claimedAt) },
        };
        if (status is not null)
            item["status"] = new AttributeValue { S = status };
        return item;
    }

    /// <summary>A time as the store writes it into number attributes: epoch milliseconds.</summary>
    public static string Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
