using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>
/// Key schemas of the two tables. serverless.template declares the same; a test checks the two agree, and the
/// tests create their tables from these requests.
/// </summary>
public static class DynamoTables
{
    /// <summary>Config table partition key: "global" or "bucket#NAME".</summary>
    public const string ScopeKey = "scope";
    /// <summary>Config table sort key: "source#VALUE", "principal#VALUE", "rule#TYPE#VALUE" or "accesspoint#ARN".</summary>
    public const string EntryKey = "entry";
    /// <summary>Dedup table partition key: "event#EVENTID", "access#…", "burst#…", "harvest#…" (SHA-256) or "alert#EVENTID".</summary>
    public const string DedupKey = "id";
    /// <summary>Dedup table: the alert index's partition key, the UTC day of an alert item's event ("2025-03-01").</summary>
    public const string AlertDay = "alertDay";
    /// <summary>Dedup table: the alert index's sort key, event time and ID ("2025-03-01T12:00:00.000Z#EVENTID").</summary>
    public const string AlertAt = "alertAt";
    /// <summary>The dedup table's sparse index of alert items, by day.</summary>
    public const string AlertsIndex = "AlertsByDay";
    /// <summary>Dedup table TTL attribute (epoch seconds); cleanup only, never relied on.</summary>
    public const string TtlAttribute = "ttl";

    /// <summary>The config table of a stack named s3auditflow: the template names its tables STACK-config and STACK-dedup.</summary>
    public const string DefaultConfigTable = "s3auditflow-config";

    /// <summary>The dedup table of a stack named s3auditflow.</summary>
    public const string DefaultDedupTable = "s3auditflow-dedup";

    /// <summary>Creates a table and waits until it is ACTIVE (a table still CREATING answers "not found").</summary>
    /// <exception cref="StoreUnavailableException">DynamoDB could not be reached or refused (the
    /// inner exception says which), or the table did not become ACTIVE in 30 s; as every other store call reports it,
    /// so an unreachable endpoint is a typed error and not a crash.</exception>
    public static async Task CreateAndWaitAsync(IAmazonDynamoDB client, CreateTableRequest request, CancellationToken cancellationToken = default)
    {
        var name = request.TableName;
        await StoreErrors.Guard($"creating {name}", () => client.CreateTableAsync(request, cancellationToken)).ConfigureAwait(false);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var table = await StoreErrors.Guard($"describing {name}", () => client.DescribeTableAsync(name, cancellationToken)).ConfigureAwait(false);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
                return;
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
        throw new StoreUnavailableException($"table {name} is not ACTIVE after 30 s");
    }

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
        AttributeDefinitions = [new(DedupKey, ScalarAttributeType.S), new(AlertDay, ScalarAttributeType.S), new(AlertAt, ScalarAttributeType.S)],
        KeySchema = [new(DedupKey, KeyType.HASH)],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = AlertsIndex,
                KeySchema = [new(AlertDay, KeyType.HASH), new(AlertAt, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
    };
}
