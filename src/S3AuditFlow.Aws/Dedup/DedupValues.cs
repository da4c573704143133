using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Evaluation;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>Attribute values as the dedup items hold them: times as epoch milliseconds, ids as SHA-256 hex.</summary>
internal static class DedupValues
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue True { get; } = new() { BOOL = true };

    public static AttributeValue Set(string value) => new() { SS = [value] };

    public static Dictionary<string, AttributeValue> Key(string id) => new() { [DynamoTables.DedupKey] = S(id) };

    /// <summary>A text attribute, or null when absent or empty.</summary>
    public static string? Text(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var value) && value.S is { Length: > 0 } text ? text : null;

    /// <summary>A number attribute, or 0 when absent or not a whole number.</summary>
    public static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && long.TryParse(value.N, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : 0;

    /// <summary>Adds the principal's ARN when it has one (an anonymous or service principal has none).</summary>
    public static void WithPrincipalArn(Dictionary<string, AttributeValue> item, Core.Events.S3Access access)
    {
        if (access.Principal.Arn is { } arn)
            item["principalArn"] = S(arn);
    }

    /// <summary>
    /// Adds the read's account, for a reader of the table (console, support): the item's id already holds it through
    /// the hashed <see cref="Core.Evaluation.AlertCandidate.AccessKey"/> or <see cref="Core.Evaluation.AlertCandidate.BurstKey"/>.
    /// </summary>
    public static void WithAccount(Dictionary<string, AttributeValue> item, Core.Events.S3Access access)
    {
        if (access.Account is { } account)
            item["account"] = S(account);
    }

    /// <summary>
    /// What the access item and the alert item both say about the read: its id, event, principal, source, object,
    /// outcome, severity, the principal's ARN and the account.
    /// </summary>
    public static Dictionary<string, AttributeValue> Described(string id, AlertCandidate candidate)
    {
        var access = candidate.Access;
        var item = new Dictionary<string, AttributeValue>
        {
            [DynamoTables.DedupKey] = S(id),
            ["eventId"] = S(access.EventId),
            ["eventTime"] = S(Iso(access.EventTime)),
            ["eventName"] = S(access.EventName),
            ["principal"] = S(access.Principal.Label),
            ["source"] = S(access.Source.Label),
            ["bucket"] = S(access.ReadObject.Bucket),
            ["key"] = S(access.ReadObject.Key),
            ["outcome"] = S(access.Outcome),
            ["severity"] = S(candidate.Severity.ToString().ToLowerInvariant()),
        };
        WithPrincipalArn(item, access);
        WithAccount(item, access);
        return item;
    }

    public static long Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>An item id part: a hash, since principal + source + bucket + key can exceed DynamoDB's key size limit.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
