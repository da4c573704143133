using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace S3AuditFlow.Aws;

/// <summary>
/// Key schemas of the two tables. serverless.template declares the same; a test checks the two agree, and the
/// tests create their tables from these requests.
/// </summary>
public static class DynamoTables
{
    /// <summary>Config table partition key: "global" or "bucket#NAME".</summary>
    public const string ScopeKey = "scope";
    /// <summary>Config table sort key: "source#VALUE", "principal#VALUE" or "rule#TYPE#VALUE".</summary>
    public const string EntryKey = "entry";
    /// <summary>Dedup table partition key: "access#SHA256" or "event#EVENTID".</summary>
    public const string DedupKey = "id";
    /// <summary>Dedup table TTL attribute (epoch seconds); cleanup only, never relied on.</summary>
    public const string TtlAttribute = "ttl";

    /// <summary>Default table names for a stack named s3auditflow (the template names tables STACK-config, STACK-dedup).</summary>
    public const string DefaultConfigTable = "s3auditflow-config";

    /// <summary>The config table, on-demand.</summary>
    public static CreateTableRequest ConfigTable(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new(ScopeKey, ScalarAttributeType.S), new(EntryKey, ScalarAttributeType.S)],
        KeySchema = [new(ScopeKey, KeyType.HASH), new(EntryKey, KeyType.RANGE)],
    };

    /// <summary>The dedup table, on-demand.</summary>
    public static CreateTableRequest DedupTable(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new(DedupKey, ScalarAttributeType.S)],
        KeySchema = [new(DedupKey, KeyType.HASH)],
    };
}
