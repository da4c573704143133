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
    public AwsTarget Target(ParseResult result, string? defaultRegion = null) =>
        new(result.GetValue(Region) ?? defaultRegion, result.GetValue(Profile), result.GetValue(EndpointUrl));
}
