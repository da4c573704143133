using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using S3AuditFlow.Core.Stores;

namespace S3AuditFlow.Aws;

/// <summary>Turns what the SDK throws after its retries into the one typed error callers handle.</summary>
internal static class StoreErrors
{
    public static async Task<T> Guard<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TaskCanceledException)
        {
            throw new StoreUnavailableException($"{what} failed: {e.GetType().Name}: {e.Message}", e);
        }
    }
}
