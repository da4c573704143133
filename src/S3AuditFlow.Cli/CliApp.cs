using System.CommandLine;

namespace S3AuditFlow.Cli;

/// <summary>The `s3audit` command tree.</summary>
public static class CliApp
{
    /// <summary>Parses and runs one command line; usage errors exit with 2, never 1 (which means "alert raised").</summary>
    public static int Run(string[] args, CliConsole console)
    {
        var root = new RootCommand("S3AuditFlow: find unexpected reads of sensitive S3 objects in CloudTrail data events.")
        {
            ScanCommand.Create(console),
            AllowlistCommand.Create(console),
            ReplayCommand.Create(console),
            FiltersCommand.Create(console),
            AlertsCommand.Create(console),
        };
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
                console.Error.WriteLine("s3audit: " + error.Message);
            console.Error.WriteLine("Try 's3audit --help'.");
            return ExitCodes.UsageError;
        }
        return result.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
    }
}
