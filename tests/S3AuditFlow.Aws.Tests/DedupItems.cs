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

    /// <summary>A time as the store writes it into number attributes: epoch milliseconds.</summary>
    public static string Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
