using System.CommandLine;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>The options every command that reaches a table shares: the table's name and the AWS ones.</summary>
/// <param name="option">The name option, "--table" unless the command reaches two tables.</param>
/// <param name="what">The table's role in the help, "Config" or "Dedup".</param>
/// <param name="environment">The variable that names the table when the option is not given.</param>
/// <param name="defaultName">The table of a stack named s3auditflow.</param>
public sealed class TableOptions(string option = "--table", string what = "Config", string environment = "S3AUDIT_CONFIG_TABLE", string defaultName = DynamoTables.DefaultConfigTable)
{
    /// <summary>The options of the dedup table, where `s3audit alerts` reads alert history.</summary>
    public static TableOptions Dedup() => new("--table", "Dedup", "S3AUDIT_DEDUP_TABLE", DynamoTables.DefaultDedupTable);

    /// <summary>The table name option; the default is the table of a stack named s3auditflow.</summary>
    public Option<string> Table { get; } = new(option)
    {
        Description = $"{what} table name (default: ${environment}, else {defaultName})",
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
        var name = result.GetValue(Table) ?? Environment.GetEnvironmentVariable(environment) ?? defaultName;
        // Checked here so a typo is a usage error before any request, not a retried call reported as "unreachable".
        var valid = name.Length is >= 3 and <= 255 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
        return valid ? name : throw new UsageException($"table name \"{name}\" is not a DynamoDB table name (3-255 letters, digits, _ . -)");
    }

    /// <summary>Where the table lives.</summary>
    public AwsTarget Target(ParseResult result) => Aws.Target(result);
}
