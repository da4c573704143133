using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace S3AuditFlow.Aws;

/// <summary>Where to reach DynamoDB: the standard credential chain, or a named profile, or a local server.</summary>
public sealed record AwsTarget(string? Region = null, string? Profile = null, string? EndpointUrl = null)
{
    /// <summary>Retries after the first try: throttling and 5xx are retried with backoff, then the error surfaces.</summary>
    public const int MaxRetries = 3;

    /// <summary>A client with standard retries and bounded timeouts.</summary>
    public AmazonDynamoDBClient CreateDynamoDb()
    {
        var config = new AmazonDynamoDBConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = MaxRetries,
            Timeout = TimeSpan.FromSeconds(5),
        };
        if (EndpointUrl is not null)
        {
            config.ServiceURL = EndpointUrl;
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }
        var credentials = Credentials(config);
        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }

    /// <summary>
    /// The profile's credentials; else null, meaning the SDK's default chain. A local server accepts any
    /// credentials, so it gets placeholders when the chain finds none.
    /// </summary>
    public AWSCredentials? Credentials(IClientConfig config)
    {
        if (Profile is not null)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(Profile, out var fromProfile)
                ? fromProfile
                : throw new ArgumentException($"no AWS profile named \"{Profile}\"");
        }
        if (EndpointUrl is null)
            return null;
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
        }
        catch (AmazonClientException)
        {
            return new BasicAWSCredentials("local", "local");
        }
    }
}
