using System.Collections.Concurrent;
using Amazon.Runtime;

namespace S3AuditFlow.Aws.Tests;

/// <summary>Counts the SDK calls a client makes against dynalite, by request type (QueryRequest, BatchWriteItemRequest, ...).</summary>
internal sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public RequestCounter(AmazonServiceClient client) =>
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs args)
                _counts.AddOrUpdate(args.Request.GetType().Name, 1, (_, n) => n + 1);
        };

    /// <summary>Calls of one operation, e.g. "QueryRequest".</summary>
    public int this[string requestType] => _counts.TryGetValue(requestType, out var n) ? n : 0;
}
