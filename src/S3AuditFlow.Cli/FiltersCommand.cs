using System.CommandLine;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Filters;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli;

/// <summary>`s3audit filters`: the pre-filters the rules compile to, and which rules keep a bucket unfiltered.</summary>
public static class FiltersCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var config = new Option<string?>("--config", "-c") { Description = "Rules from a config file: the seed's config.json or the rich format" };
        var table = new TableOptions();
        var bucket = new Option<string[]>("--bucket")
        {
            Description = "A monitored bucket (repeat or comma-separate; the stack's MonitoredBuckets). Default: the buckets the rules name",
        };
        var caseExact = new Option<bool>("--case-exact-keywords")
        {
            Description = "Filter keyword rules on the case they are written in (narrower than the rules, which ignore case)",
        };
        var partition = new Option<string>("--partition") { Description = "ARN partition of the trail's resources", DefaultValueFactory = _ => "aws" };
        partition.AcceptOnlyFromAmong([.. FilterOptions.Partitions]);
        var format = new Option<string>("--format")
        {
            Description = "text (per bucket: conditions, rules covered, what prevents filtering) or json (the exact patterns and selectors)",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("filters", "Show the EventBridge patterns and trail selectors the sensitivity rules compile to: what reaches the workflow, and why")
        {
            config, bucket, caseExact, partition, format,
        };
        table.Table.Description = "Rules from the live config table instead of --config";
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var configPath = result.GetValue(config);
            var tableName = result.GetValue(table.Table);
            if ((configPath is null) == (tableName is null))
                throw new UsageException("give exactly one of --config FILE or --table NAME");
            var loaded = configPath is not null
                ? ScanCommand.LoadFile(configPath)
                : await ScanCommand.LoadTableAsync(console, table, result, table.TableName(result), cancel).ConfigureAwait(false);
            var rules = FilterCompiler.RulesOf(loaded);
            var options = new FilterOptions(result.GetValue(caseExact), result.GetValue(partition)!);
            var buckets = Buckets(result.GetValue(bucket), rules);
            var events = loaded.MonitoredEvents.Order(StringComparer.Ordinal).ToList();
            var compiled = buckets.Count == 0 ? null : FilterCompiler.Compile(loaded, buckets, events, options);
            if (result.GetValue(format) == "json")
            {
                if (compiled is null)
                    throw new UsageException("no monitored bucket: name them with --bucket (the stack's MonitoredBuckets); no rule names one");
                FiltersReport.WriteJson(console.Out, compiled, events, options);
            }
            else
            {
                var other = BucketFilter.Of(null, rules.Where(r => r.Bucket is null).Select(r => RuleBound.Of(r, options)));
                FiltersReport.WriteText(console.Out, compiled, other, events, options, named: result.GetValue(bucket) is { Length: > 0 });
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The buckets given, or those the rules name; a name S3 would refuse is a usage error.</summary>
    private static List<string> Buckets(string[]? given, IReadOnlyList<SensitivityRule> rules)
    {
        var names = given is { Length: > 0 }
            ? given.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : [.. rules.Select(r => r.Bucket).OfType<string>().Order(StringComparer.Ordinal)];
        if (names.FirstOrDefault(n => !BucketName.IsValid(n)) is { } bad)
            throw new UsageException($"--bucket \"{bad}\" is not an S3 bucket name ({BucketName.Rule})");
        return [.. names.Distinct(StringComparer.Ordinal)];
    }
}
