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
    /// <exception cref="UsageException">The name is not one DynamoDB allows (3-255 of A-Z a-z 0-9 _ . -).</exception>
    public string TableName(ParseResult result)
    {
        var name = result.GetValue(Table) ?? Environment.GetEnvironmentVariable("S3AUDIT_CONFIG_TABLE") ?? DynamoTables.DefaultConfigTable;
        // Checked here so a typo is a usage error before any request, not a retried call reported as "unreachable".
        var valid = name.Length is >= 3 and <= 255 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
        return valid ? name : throw new UsageException($"table name \"{name}\" is not a DynamoDB table name (3-255 letters, digits, _ . -)");
    }

    /// <summary>Where the table lives.</summary>
    public AwsTarget Target(ParseResult result) => Aws.Target(result);
}
