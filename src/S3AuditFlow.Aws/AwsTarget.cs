using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SQS;

namespace S3AuditFlow.Aws;

/// <summary>Where to reach AWS (DynamoDB, SQS, S3): the standard credential chain, or a named profile, or a local server.</summary>
public sealed record AwsTarget(string? Region = null, string? Profile = null, string? EndpointUrl = null)
{
    /// <summary>Retries after the first try: throttling and 5xx are retried with backoff, then the error surfaces.</summary>
    public const int MaxRetries = 3;

    /// <summary>A DynamoDB client with standard retries and bounded timeouts.</summary>
    public AmazonDynamoDBClient CreateDynamoDb()
    {
        var config = Configure(new AmazonDynamoDBConfig());
        return Credentials(config) is { } credentials ? new AmazonDynamoDBClient(credentials, config) : new AmazonDynamoDBClient(config);
    }

    /// <summary>An SQS client with the same retries, timeouts, endpoint and credentials as <see cref="CreateDynamoDb"/>.</summary>
    public AmazonSQSClient CreateSqs()
    {
        var config = Configure(new AmazonSQSConfig());
        return Credentials(config) is { } credentials ? new AmazonSQSClient(credentials, config) : new AmazonSQSClient(config);
    }

    /// <summary>
    /// An S3 client for reading a trail bucket, with the same retries, endpoint and credentials; path-style addressing
    /// with --endpoint-url, since a local server has no per-bucket host names.
    /// </summary>
    public AmazonS3Client CreateS3()
    {
        var config = Configure(new AmazonS3Config());
        config.ForcePathStyle = EndpointUrl is not null;
        // A delimiter listing over a sparse prefix can take S3 seconds; reading a body is not bounded by this.
        config.Timeout = TimeSpan.FromSeconds(30);
        return Credentials(config) is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
    }

    /// <summary>What every client shares, so a local server or a region means the same for each service.</summary>
    private T Configure<T>(T config) where T : ClientConfig
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = MaxRetries;
        config.Timeout = TimeSpan.FromSeconds(5);
        if (EndpointUrl is not null)
        {
            config.ServiceURL = EndpointUrl;
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }
        return config;
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
