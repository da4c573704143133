using System.CommandLine;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>The options every command that reaches the config table shares: --table and the AWS ones.</summary>
public sealed class TableOptions
{
    /// <summary>--table; the default is the table of a stack named s3auditflow.</summary>
    public Option<string> Table { get; } = new("--table")
    {
        Description = $"Config table name (default: $S3AUDIT_CONFIG_TABLE, else {DynamoTables.DefaultConfigTable})",
    };

    /// <summary>--region, --profile, --endpoint-url.</summary>
    public AwsOptions Aws { get; } = new("DynamoDB endpoint, e.g. a local dynalite: http://127.0.0.1:4567");

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Table);
        Aws.AddTo(command);
    }

    /// <summary>The table name given, from the environment, or the default.</summary>
    public string TableName(ParseResult result) =>
        result.GetValue(Table) ?? Environment.GetEnvironmentVariable("S3AUDIT_CONFIG_TABLE") ?? DynamoTables.DefaultConfigTable;

    /// <summary>Where the table lives.</summary>
    public AwsTarget Target(ParseResult result) => Aws.Target(result);
}
