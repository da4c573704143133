using System.CommandLine;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>The options every command that reaches the config table shares.</summary>
public sealed class TableOptions
{
    /// <summary>--table; the default is the table of a stack named s3auditflow.</summary>
    public Option<string> Table { get; } = new("--table")
    {
        Description = $"Config table name (default: $S3AUDIT_CONFIG_TABLE, else {DynamoTables.DefaultConfigTable})",
    };

    /// <summary>--region.</summary>
    public Option<string?> Region { get; } = new("--region") { Description = "AWS region (default: the standard chain: AWS_REGION, profile)" };

    /// <summary>--profile.</summary>
    public Option<string?> Profile { get; } = new("--profile") { Description = "Named profile from ~/.aws (default: the standard credential chain)" };

    /// <summary>--endpoint-url.</summary>
    public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = "DynamoDB endpoint, e.g. a local dynalite: http://127.0.0.1:4567" };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command, bool includeTable = true)
    {
        if (includeTable)
            command.Options.Add(Table);
        command.Options.Add(Region);
        command.Options.Add(Profile);
        command.Options.Add(EndpointUrl);
    }

    /// <summary>The table name given, from the environment, or the default.</summary>
    public string TableName(ParseResult result) =>
        result.GetValue(Table) ?? Environment.GetEnvironmentVariable("S3AUDIT_CONFIG_TABLE") ?? DynamoTables.DefaultConfigTable;

    /// <summary>Where the table lives.</summary>
    public AwsTarget Target(ParseResult result) => new(result.GetValue(Region), result.GetValue(Profile), result.GetValue(EndpointUrl));
}
