using System.CommandLine;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>The options every command that reaches AWS shares: where (region, local endpoint) and as whom (profile).</summary>
/// <param name="endpointDescription">The help of --endpoint-url, naming the service and a local server for it.</param>
public sealed class AwsOptions(string endpointDescription)
{
    /// <summary>--region.</summary>
    public Option<string?> Region { get; } = new("--region") { Description = "AWS region (default: the standard chain: AWS_REGION, profile)" };

    /// <summary>--profile.</summary>
    public Option<string?> Profile { get; } = new("--profile") { Description = "Named profile from ~/.aws (default: the standard credential chain)" };

    /// <summary>--endpoint-url.</summary>
    public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = endpointDescription };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Region);
        command.Options.Add(Profile);
        command.Options.Add(EndpointUrl);
    }

    /// <summary>Where the service lives; <paramref name="defaultRegion"/> applies when --region is not given.</summary>
    /// <exception cref="UsageException">--endpoint-url is not an absolute http(s) URL.</exception>
    public AwsTarget Target(ParseResult result, string? defaultRegion = null)
    {
        var endpoint = result.GetValue(EndpointUrl);
        // The SDK would throw a UriFormatException from deep inside the first request; say what is wrong instead.
        if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0))
            throw new UsageException($"--endpoint-url \"{endpoint}\" is not an http:// or https:// URL");
        return new(result.GetValue(Region) ?? defaultRegion, result.GetValue(Profile), endpoint);
    }
}
