using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>Who is writing to the table, recorded on each item as addedBy.</summary>
public static class Caller
{
    /// <summary>The caller's ARN from STS; against a local endpoint (no STS there) or when STS fails, "local:USER".</summary>
    public static async Task<string> DescribeAsync(AwsTarget target)
    {
        var local = "local:" + Environment.UserName;
        if (target.EndpointUrl is not null)
            return local;
        try
        {
            var config = new AmazonSecurityTokenServiceConfig { Timeout = TimeSpan.FromSeconds(5), MaxErrorRetry = 1 };
            if (target.Region is not null)
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(target.Region);
            var credentials = target.Credentials(config);
            using var sts = credentials is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(credentials, config);
            return (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()).ConfigureAwait(false)).Arn;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonClientException or Amazon.Runtime.AmazonServiceException or HttpRequestException or TaskCanceledException)
        {
            return local;
        }
    }
}
