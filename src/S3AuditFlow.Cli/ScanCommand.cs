using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amazon.S3;
using S3AuditFlow.Aws;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;

namespace S3AuditFlow.Cli;

/// <summary>`s3audit scan`: evaluate CloudTrail files, local or in a trail bucket, with the engine production uses.</summary>
public static class ScanCommand
{
    private const int MaxErrorsListed = 50;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Files, folders (recursive: .json, .jsonl, .json.gz, .jsonl.gz), s3://bucket/prefix/ (listed the same way) or - for stdin",
            Arity = ArgumentArity.OneOrMore,
        };
        var config = new Option<string?>("--config", "-c") { Description = "Allowlist and rules: the seed's config.json or the rich format" };
        var table = new TableOptions();
        var format = new Option<string>("--format")
        {
            Description = "text (a report), jsonl (one JSON object per alert and harvest notification) or csv (one row per alert)",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "jsonl", "csv");
        var details = new Option<string>("--details")
        {
            Description = "Alerts the text report prints one by one after its summary, most severe first: a number or all",
            HelpName = "N|all",
            DefaultValueFactory = _ => ReportOptions.DefaultDetails.ToString(CultureInfo.InvariantCulture),
        };
        var groupBy = new Option<string>("--group-by") { Description = "What the text report's summary groups alerts by", DefaultValueFactory = _ => GroupByNames[0] };
        groupBy.AcceptOnlyFromAmong(GroupByNames);
        var verdicts = new Option<bool>("--verdicts") { Description = "Print one JSON line per evaluated event, in input order, instead of the report" };
        var failOnAlert = new Option<bool>("--fail-on-alert") { Description = "Exit with 1 when an alert was raised" };
        var memory = new Option<int>("--memory")
        {
            Description = "MiB for alert candidates waiting for dedup; past it they wait in temporary files (default 64)",
            DefaultValueFactory = _ => (int)(ScanOptions.DefaultMemoryBudgetBytes >> 20),
        };
        memory.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--memory must be at least 1 (MiB)");
        });
        var parallelism = new Option<int>("--parallelism") { Description = $"Inputs read at once (default: one per core; {RemoteParallelism} when an input is s3://)" };
        var since = new Option<string?>("--since") { Description = "Only events at or after this ISO 8601 date or time (UTC unless an offset is given); prunes s3:// listings by day" };
        var until = new Option<string?>("--until") { Description = "Only events at or before this ISO 8601 date or time (a date alone: the end of that day)" };
        var account = new Option<string[]>("--account") { Description = "List only these accounts' trail folders (12 digits; repeat or comma-separate)" };
        var regionFilter = new Option<string[]>("--region-filter") { Description = "List only these regions' trail folders (repeat or comma-separate)" };
        var stats = new Option<bool>("--stats") { Description = "Print events/s and peak memory to stderr (used by the benchmark)" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Never draw the progress bar" };

        var command = new Command("scan", "Evaluate CloudTrail S3 data events from files or a trail bucket and report unexpected reads of sensitive objects")
        {
            paths, config, format, details, groupBy, verdicts, failOnAlert, parallelism, memory, stats, noProgress, since, until, account, regionFilter,
        };
        table.Table.Description = "Evaluate against the live config table instead of --config (every scope, read once)";
        table.Aws.EndpointUrl.Description = "Endpoint for s3:// inputs and --table, e.g. a local S3 server (then path-style addressing)";
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var report = ReportOptionsOf(result, format, verdicts, details, groupBy);
            var configPath = result.GetValue(config);
            var tableName = result.GetValue(table.Table);
            if ((configPath is null) == (tableName is null))
                throw new UsageException("give exactly one of --config FILE or --table NAME");
            var window = ParseWindow(result.GetValue(since), result.GetValue(until));
            var selection = new InputSelection(new TrailLayout(window, Accounts(result.GetValue(account)), Regions(result.GetValue(regionFilter))));
            var loaded = configPath is not null ? LoadFile(configPath) : await LoadTableAsync(console, table, result, tableName!, cancel).ConfigureAwait(false);
            var request = new Request(
                result.GetValue(paths)!, result.GetValue(format)!, report, result.GetValue(verdicts),
                result.GetValue(failOnAlert), result.GetValue(parallelism), result.GetValue(memory), result.GetValue(stats), result.GetValue(noProgress), window, selection);
            using var inputs = await HistoryInputs.OpenAsync(console, table, result, request.Paths, selection, request.NoProgress, cancel).ConfigureAwait(false);
            return Run(console, loaded, request, inputs);
        }));
        return command;
    }

    /// <summary>`--group-by` values, the default first, in the order of <see cref="GroupBy"/>.</summary>
    private static readonly string[] GroupByNames = ["principal+source", "principal", "source", "bucket"];

    /// <summary>`--details` and `--group-by`, refused with any output but the text report rather than silently ignored.</summary>
    private static ReportOptions ReportOptionsOf(ParseResult result, Option<string> format, Option<bool> verdicts, Option<string> details, Option<string> groupBy)
    {
        var machine = result.GetValue(verdicts) ? "--verdicts" : result.GetValue(format) is "text" ? null : "--format " + result.GetValue(format);
        if (machine is not null && new[] { details, groupBy }.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } given)
            throw new UsageException($"{given.Name} shapes the text report; it does not apply to {machine}");

        var text = result.GetValue(details)!;
        int? count = text.Equals("all", StringComparison.OrdinalIgnoreCase) ? null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new UsageException($"--details \"{text}\": give how many alerts to print (0 or more) or all");
        return new ReportOptions((GroupBy)Array.IndexOf(GroupByNames, result.GetValue(groupBy)), count);
    }

    /// <summary>Objects read at once when an input is s3://: each waits on a round trip before its first byte.</summary>
    internal static int RemoteParallelism => Math.Max(8, 4 * Environment.ProcessorCount);

    private sealed record Request(string[] Paths, string Format, ReportOptions Report, bool Verdicts, bool FailOnAlert, int Parallelism, int MemoryMiB,
        bool Stats, bool NoProgress, TimeWindow Window, InputSelection Selection);

    internal static TimeWindow ParseWindow(string? since, string? until)
    {
        try
        {
            return TimeWindow.Parse(since, until);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static string[]? Accounts(string[]? given) =>
        Split(given) is { } accounts && accounts.FirstOrDefault(a => !TrailLayout.IsAccountId(a)) is { } bad
            ? throw new UsageException($"--account \"{bad}\" is not a 12-digit AWS account ID")
            : Split(given);

    private static string[]? Regions(string[]? given) =>
        Split(given) is { } regions && regions.FirstOrDefault(r => !r.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) is { } bad
            ? throw new UsageException($"--region-filter \"{bad}\" is not a region name such as eu-west-1")
            : Split(given);

    /// <summary>Values of a repeatable option that also takes commas; null when it was not given.</summary>
    private static string[]? Split(string[]? given) =>
        given is null || given.Length == 0 ? null : [.. given.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    internal static S3Location ParseLocation(string argument)
    {
        try
        {
            return S3Location.Parse(argument);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Lists every s3:// argument (with a progress line on a terminal) before the scan reads any.</summary>
    internal static async Task<Dictionary<string, IReadOnlyList<ScanInput>>> ListAsync(CliConsole console, AmazonS3Client s3, InputSelection selection,
        Dictionary<string, S3Location> locations, bool noProgress, CancellationToken cancel)
    {
        var listed = new Dictionary<string, IReadOnlyList<ScanInput>>(StringComparer.Ordinal);
        foreach (var (argument, location) in locations)
        {
            using var progress = ListingProgress.StartIfUseful(console, argument, noProgress);
            listed[argument] = await new S3TrailLister(s3, selection, progress is null ? null : progress.Listed).ListAsync(location, cancel).ConfigureAwait(false);
            progress?.Finish();
        }
        return listed;
    }

    internal static AuditConfig LoadFile(string path)
    {
        try
        {
            return ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            throw new UsageException($"config {path}: {e.Message}");
        }
    }

    /// <summary>Today's production allowlist: every item of the table, invalid ones skipped with a warning as the Lambdas do.</summary>
    internal static async Task<AuditConfig> LoadTableAsync(CliConsole console, TableOptions table, ParseResult result, string name, CancellationToken cancel)
    {
        Action<string> warn = message => console.Error.WriteLine("s3audit: warning: " + message);
        using var client = table.Target(result).CreateDynamoDb();
        return await new DynamoConfigStore(client, name, warn).LoadConfigAsync(cancel).ConfigureAwait(false);
    }

    private static int Run(CliConsole console, AuditConfig config, Request request, HistoryInputs history)
    {
        var digests = request.Selection.DigestsSkipped;
        var parallelism = history.Parallelism(request.Parallelism);
        var stopwatch = Stopwatch.StartNew();
        using var progress = history.StartProgress(console, request.NoProgress);
        var inputs = history.Inputs;
        // Alerts are written (jsonl, csv) or summarised (text) while the scan runs, so memory does not grow with them.
        JsonLines.AlertStream? jsonl = null;
        AlertGroups? groups = null;
        Action<Alert>? onAlert = null;
        if (!request.Verdicts)
        {
            onAlert = request.Format switch
            {
                "jsonl" => (jsonl = new JsonLines.AlertStream(console.Out)).Alert,
                "csv" => new CsvAlerts.Writer(console.Out).Alert,
                _ => (groups = new AlertGroups(request.Report.GroupBy, request.Report.Details)).AddFinished,
            };
        }
        var options = new ScanOptions(request.Verdicts, parallelism, progress is null ? null : progress.Add, onAlert,
            MemoryBudgetBytes: (long)request.MemoryMiB << 20, OnHarvest: jsonl is null ? null : jsonl.Harvest);
        ScanResult result;
        try
        {
            result = new ScanEngine(config, request.Window).Scan(inputs, options);
        }
        catch (SpillException e)
        {
            // What was printed so far is incomplete: say so, never exit as if the scan had finished.
            console.Error.WriteLine($"s3audit: {e.Message}; the scan did not finish (set TMPDIR to a folder with space, or raise --memory)");
            return ExitCodes.ScanIncomplete;
        }
        progress?.Finish();
        stopwatch.Stop();

        if (digests > 0)
            console.Error.WriteLine($"s3audit: skipped {digests:N0} CloudTrail-Digest file{(digests == 1 ? "" : "s")} (integrity hashes, no events)");
        ReportErrors(console.Error, result.Errors);
        if (request.Verdicts)
            JsonLines.WriteVerdicts(console.Out, result.Verdicts!);
        else if (jsonl is not null)
            jsonl.Finish();
        else if (groups is not null)
            TextReport.Write(console.Out, result, groups, config);
        if (request.Stats)
            ProcessStats.Write(console.Error, result, stopwatch.Elapsed);

        return request.FailOnAlert && result.Count(Verdict.Alert) > 0 ? ExitCodes.AlertRaised : ExitCodes.Ok;
    }

    internal static void ReportErrors(TextWriter error, IReadOnlyList<InputError> errors)
    {
        foreach (var e in errors.Take(MaxErrorsListed))
            error.WriteLine($"s3audit: {e.File}:{e.Line}: {e.Message}");
        if (errors.Count > MaxErrorsListed)
            error.WriteLine($"s3audit: … and {errors.Count - MaxErrorsListed} more malformed records (counted as malformed in the summary)");
    }
}
