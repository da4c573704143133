using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Stores;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>What a conditional write did: applied (with the attributes it asked back for), or its condition did not hold.</summary>
internal readonly record struct ConditionalWrite(bool Applied, Dictionary<string, AttributeValue> Attributes)
{
    public static readonly ConditionalWrite NotApplied = new(false, []);
}

/// <summary>
/// The dedup table as the event claim, access window, burst and harvest items share it: conditional writes whose
/// failed condition is an answer, not an error; every other failure a <see cref="StoreUnavailableException"/>.
/// </summary>
internal sealed class DedupTable(IAmazonDynamoDB client, string name, TimeSpan window, TimeSpan retention, TimeProvider time)
{
    /// <summary>How many times a write may lose a race to another writer before the store counts as failing.</summary>
    public const int MaxRaces = 3;

    /// <summary>How long a best-effort cleanup may take: the Lambda loop cancels the step that long before its deadline.</summary>
    private static readonly TimeSpan CleanupBudget = TimeSpan.FromSeconds(2);

    public string Name => name;

    public TimeSpan Window => window;

    public TimeProvider Time => time;

    /// <summary>An update whose condition may fail; the attributes it returns when applied.</summary>
    public async Task<ConditionalWrite> TryUpdateAsync(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        request.TableName = name;
        try
        {
            var response = await StoreErrors.Guard($"writing to {name}", () => client.UpdateItemAsync(request, cancellationToken)).ConfigureAwait(false);
            return new ConditionalWrite(true, response.Attributes ?? []);
        }
        catch (ConditionalCheckFailedException)
        {
            return ConditionalWrite.NotApplied;
        }
    }

    /// <summary>A put whose condition may fail.</summary>
    public async Task<bool> TryPutAsync(PutItemRequest request, CancellationToken cancellationToken) =>
        (await PutIfAsync(request, cancellationToken).ConfigureAwait(false)).Applied;

    /// <summary>A put whose condition may fail; when applied, the item it replaced (empty when there was none).</summary>
    public Task<ConditionalWrite> TryPutReturningOldAsync(PutItemRequest request, CancellationToken cancellationToken)
    {
        request.ReturnValues = ReturnValue.ALL_OLD;
        return PutIfAsync(request, cancellationToken);
    }

    private async Task<ConditionalWrite> PutIfAsync(PutItemRequest request, CancellationToken cancellationToken)
    {
        request.TableName = name;
        try
        {
            var response = await StoreErrors.Guard($"writing to {name}", () => client.PutItemAsync(request, cancellationToken)).ConfigureAwait(false);
            return new ConditionalWrite(true, response.Attributes ?? []);
        }
        catch (ConditionalCheckFailedException)
        {
            return ConditionalWrite.NotApplied;
        }
    }

    /// <summary>An unconditional put.</summary>
    public async Task PutAsync(PutItemRequest request, CancellationToken cancellationToken)
    {
        request.TableName = name;
        await StoreErrors.Guard($"writing to {name}", () => client.PutItemAsync(request, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// An update that returns the item as it was: when applied, from <c>ALL_OLD</c>; when its condition failed, the item
    /// that failed it (<c>ReturnValuesOnConditionCheckFailure</c>, one call), or a consistent read for a store that does
    /// not return it (dynalite).
    /// </summary>
    public async Task<(bool Applied, Dictionary<string, AttributeValue> Old)> UpdateReturningOldAsync(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        request.TableName = name;
        request.ReturnValues = ReturnValue.ALL_OLD;
        request.ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD;
        try
        {
            var response = await StoreErrors.Guard($"writing to {name}", () => client.UpdateItemAsync(request, cancellationToken)).ConfigureAwait(false);
            return (true, response.Attributes ?? []);
        }
        catch (ConditionalCheckFailedException failed) when (failed.Item is { Count: > 0 })
        {
            return (false, failed.Item);
        }
        catch (ConditionalCheckFailedException)
        {
            var read = await StoreErrors.Guard($"reading {name}", () => client.GetItemAsync(new GetItemRequest
            {
                TableName = name,
                Key = request.Key,
                ConsistentRead = true,
            }, cancellationToken)).ConfigureAwait(false);
            return (false, read.Item ?? []);
        }
    }

    /// <summary>
    /// Cleanup writes after a failure, at once and bounded by one budget, ignoring their errors: the store is failing,
    /// and the caller reports the event as not evaluated (or already holds the decision).
    /// </summary>
    public async Task BestEffortAsync(IEnumerable<UpdateItemRequest> requests)
    {
        using var budget = new CancellationTokenSource(CleanupBudget);
        await Task.WhenAll(requests.Select(async request =>
        {
            request.TableName = name;
            try
            {
                await client.UpdateItemAsync(request, budget.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonDynamoDBException or Amazon.Runtime.AmazonClientException or HttpRequestException or OperationCanceledException)
            {
                // Best effort: see above.
            }
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// A put of a new window's item (access, burst or harvest) that replaces only an item whose window ended at
    /// <paramref name="now"/> (event time), or one missing <paramref name="identity"/> or <c>expiresAt</c> (edited by
    /// hand: it must not block new items forever). <paramref name="alsoWhen"/> may name one more case, with its values.
    /// </summary>
    public static PutItemRequest PutUnlessLive(Dictionary<string, AttributeValue> item, string identity, AttributeValue now, string? alsoWhen = null,
        Dictionary<string, AttributeValue>? alsoValues = null)
    {
        var values = new Dictionary<string, AttributeValue>(alsoValues ?? []) { [":now"] = now };
        return new PutItemRequest
        {
            Item = item,
            ConditionExpression = $"attribute_not_exists(#id) OR attribute_not_exists({identity}) OR attribute_not_exists(expiresAt) OR expiresAt <= :now"
                + (alsoWhen is null ? "" : " OR " + alsoWhen),
            ExpressionAttributeNames = new() { ["#id"] = DynamoTables.DedupKey },
            ExpressionAttributeValues = values,
        };
    }

    /// <summary>The window's end for an event at <paramref name="eventTime"/>, as a number attribute.</summary>
    public AttributeValue WindowEndOf(DateTimeOffset eventTime) => N(Millis(WindowEnd.After(eventTime, window)));

    /// <summary>TTL from the later of the event's time and now: replayed old events must not be cleaned up at once.</summary>
    public AttributeValue Ttl(DateTimeOffset eventTime)
    {
        var now = time.GetUtcNow();
        return N(WindowEnd.After(eventTime > now ? eventTime : now, window + retention).ToUnixTimeSeconds());
    }

    /// <summary>A text attribute the item must have; a hand-edited item without it makes the store fail, not guess.</summary>
    public string Required(Dictionary<string, AttributeValue>? item, string attribute, string id) =>
        Text(item, attribute) ?? throw new StoreUnavailableException($"writing to {name}: item {id} has no {attribute}");

    /// <summary>The failure of a write that kept losing races (or meeting an item no condition expects).</summary>
    public StoreUnavailableException KeepsFailing(string what) => new($"writing to {name}: {what}");
}
