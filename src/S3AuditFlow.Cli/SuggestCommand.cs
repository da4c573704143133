using System.CommandLine;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Suggestions;

namespace S3AuditFlow.Cli;

/// <summary>
/// `s3audit allowlist suggest`: reads history with the scan engine, finds every read the current allowlist would
/// alert on, and proposes the fewest entries that trust the routine ones. It never writes to the table: `--output`
/// writes a config file that `allowlist import` applies after review.
/// </summary>
public static class SuggestCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "History to learn from: files, folders, s3://bucket/prefix/ or - (read as scan reads them)",
            Arity = ArgumentArity.OneOrMore,
        };
        var config = new Option<string?>("--config", "-c") { Description = "The current allowlist and rules: the seed's config.json or the rich format" };
        var table = new TableOptions();
        var since = new Option<string?>("--since") { Description = "Only events at or after this ISO 8601 date or time (UTC unless an offset is given)" };
        var until = new Option<string?>("--until") { Description = "Only events at or before this ISO 8601 date or time (a date alone: the end of that day)" };
        var minDays = new Option<int>("--min-days")
        {
            Description = "Routine means seen on at least this many distinct UTC days (and at a steady rate)",
            DefaultValueFactory = _ => SuggestOptions.DefaultMinDays,
        };
        minDays.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--min-days must be at least 1");
        });
        var widen = new Option<bool>("--widen") { Description = "Let a CIDR cover up to a /16 (IPv4) or /48 (IPv6) instead of a /24 or /56, and public addresses too" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the suggested entries as a config file (rich format) for `allowlist import`" };
        var format = new Option<string>("--format") { Description = "text (a table to review) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var parallelism = new Option<int>("--parallelism") { Description = "Inputs read at once (default: one per core)" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Never draw the progress bar" };

        var command = new Command("suggest", "Propose allowlist entries for the routine reads in history that the current allowlist would alert on; writes nothing to the table")
        {
            paths, config, since, until, minDays, widen, output, format, parallelism, noProgress,
        };
        table.Table.Description = "Read the current allowlist from this config table instead of --config";
        table.Aws.EndpointUrl.Description = "Endpoint for s3:// inputs and --table, e.g. a local server";
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var configPath = result.GetValue(config);
            var tableName = result.GetValue(table.Table);
            if ((configPath is null) == (tableName is null))
                throw new UsageException("give exactly one of --config FILE or --table NAME (the current allowlist)");
            var window = ScanCommand.ParseWindow(result.GetValue(since), result.GetValue(until));
            var selection = new InputSelection(new TrailLayout(window, null, null));
            var current = configPath is not null
                ? ScanCommand.LoadFile(configPath)
                : await ScanCommand.LoadTableAsync(console, table, result, tableName!, cancel).ConfigureAwait(false);
            using var history = await HistoryInputs.OpenAsync(console, table, result, result.GetValue(paths)!, selection, result.GetValue(noProgress), cancel).ConfigureAwait(false);
            var digest = new HistoryDigest();
            ScanResult scanned;
            var readers = history.Parallelism(result.GetValue(parallelism));
            using (var progress = history.StartProgress(console, result.GetValue(noProgress)))
            {
                var options = new ScanOptions(
                    Parallelism: readers,
                    OnBytesRead: progress is null ? null : progress.Add,
                    OnAlert: _ => { },
                    OnCandidate: digest.Add);
                try
                {
                    scanned = new ScanEngine(current, window).Scan(history.Inputs, options);
                }
                catch (SpillException e)
                {
                    console.Error.WriteLine($"s3audit: {e.Message}; the history was not read to the end, so nothing is suggested (set TMPDIR to a folder with space)");
                    return ExitCodes.ScanIncomplete;
                }
                progress?.Finish();
            }
            ScanCommand.ReportErrors(console.Error, scanned.Errors);

            var report = AllowlistSuggester.Suggest(digest, current.Allowlist, new SuggestOptions(MinDays: result.GetValue(minDays), Widen: result.GetValue(widen)));
            if (result.GetValue(output) is { } file)
                WriteConfig(console, file, report);
            if (result.GetValue(format) == "json")
                SuggestionReportWriter.WriteJson(console.Out, report, scanned);
            else
                SuggestionReportWriter.WriteText(console.Out, report, scanned, result.GetValue(output));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The suggested entries (no rules) as a config `allowlist import` and `scan --config` read; checked by reading it back.</summary>
    private static void WriteConfig(CliConsole console, string path, SuggestionReport report)
    {
        var json = AllowlistCommand.CheckedJson(new RuleSet(report.Entries, []), "the suggestions");
        ExportFile.Write(path, json);
        console.Error.WriteLine($"s3audit: wrote {report.Entries.Count} suggested entries to {path}; review it, then: s3audit allowlist import {path}");
    }
}
