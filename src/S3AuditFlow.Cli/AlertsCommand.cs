using System.CommandLine;
using System.Globalization;
using S3AuditFlow.Aws;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Cli;

/// <summary>`s3audit alerts`: the alerts the deployed workflow raised, read from its dedup table, and the one-step "this was fine".</summary>
public static class AlertsCommand
{
    private static readonly TimeSpan DefaultLookBack = TimeSpan.FromDays(7);

    /// <summary>Builds the command tree.</summary>
    public static Command Create(CliConsole console)
    {
        var command = new Command("alerts", "List and act on the alerts the deployed workflow raised (from its dedup table)");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Show(console));
        command.Subcommands.Add(Trust(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var since = new Option<string?>("--since") { Description = "Alerts of events at or after this ISO 8601 time, or this long ago (7d, 12h); default 7d" };
        var until = new Option<string?>("--until") { Description = "Alerts of events at or before this ISO 8601 time (default: now)" };
        var principal = new Option<string?>("--principal") { Description = "Only alerts whose principal (label or ARN) contains this text, ignoring case" };
        var bucket = new Option<string?>("--bucket") { Description = "Only alerts on reads of this bucket" };
        var account = new Option<string?>("--account") { Description = "Only alerts in this account" };
        var severity = new Option<string?>("--severity") { Description = "Only alerts of this severity or higher: low, medium, high, critical" };
        severity.AcceptOnlyFromAmong("low", "medium", "high", "critical");
        var limit = new Option<int>("--limit") { Description = "At most this many alerts, newest first (default 200)", DefaultValueFactory = _ => 200 };
        var format = new Option<string>("--format") { Description = "table or json (one object per line)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var table = TableOptions.Dedup();
        var command = new Command("list", "List the alerts of a time window, newest first, with their repeat and harvest counts")
        {
            since, until, principal, bucket, account, severity, limit, format,
        };
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var now = TimeProvider.System.GetUtcNow();
            var from = When(result.GetValue(since), "--since", now) ?? now - DefaultLookBack;
            var to = When(result.GetValue(until), "--until", now) ?? now;
            // A date alone means its whole day, as scan and suggest read --until.
            if (result.GetValue(until)?.Trim() is { Length: 10 })
                to = to.AddDays(1).AddTicks(-1);
            if (new ConfigScope(result.GetValue(account), result.GetValue(bucket)).Validate() is { } invalid)
                throw new UsageException(invalid);
            if (from > to)
                throw new UsageException($"--since {IsoTime.Format(from)} is after --until {IsoTime.Format(to)}");
            if (result.GetValue(limit) < 1)
                throw new UsageException("--limit must be at least 1");
            SensitivityLevel? minimum = SensitivityLevels.TryParse(result.GetValue(severity), out var level) && result.GetValue(severity) is not null ? level : null;
            var filter = new AlertFilter(result.GetValue(principal), result.GetValue(bucket), result.GetValue(account), minimum);
            using var client = table.Target(result).CreateDynamoDb();
            var (alerts, more) = await new AlertHistory(client, table.TableName(result)).ListAsync(from, to, result.GetValue(limit), filter.Keeps, cancel).ConfigureAwait(false);
            if (result.GetValue(format) == "json")
            {
                foreach (var alert in alerts)
                    console.Out.WriteLine(StoredAlertJson.Write(alert));
            }
            else
            {
                StoredAlertTable.Write(console.Out, alerts);
                console.Out.WriteLine($"{alerts.Count} alert(s) from {IsoTime.Format(from)} to {IsoTime.Format(to)}" + (more ? $"; more matched: raise --limit or narrow the window" : ""));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var eventId = new Argument<string>("event-id") { Description = "The eventID of the read that raised the alert" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var table = TableOptions.Dedup();
        var command = new Command("show", "Print one alert in full") { eventId, format };
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var alert = await FindAsync(table, result, result.GetValue(eventId)!, cancel).ConfigureAwait(false);
            if (result.GetValue(format) == "json")
                console.Out.WriteLine(StoredAlertJson.Write(alert));
            else
                StoredAlertTable.WriteOne(console.Out, alert);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Trust(CliConsole console)
    {
        var eventId = new Argument<string>("event-id") { Description = "The eventID of the read that raised the alert" };
        var scope = new Option<string>("--scope")
        {
            Description = "bucket (the narrowest: reads of that bucket in the alert's account), account (any bucket of that account), or global",
            DefaultValueFactory = _ => "bucket",
        };
        scope.AcceptOnlyFromAmong("bucket", "account", "global");
        var expires = new Option<string?>("--expires") { Description = "ISO 8601 time, or a duration from now (30d, 12h), after which the entries no longer trust" };
        var note = new Option<string?>("--note") { Description = "Why this was fine (default: the alert it came from)" };
        var yes = new Option<bool>("--yes") { Description = "Write the entries; without it they are only shown" };
        var table = TableOptions.Dedup();
        var config = new TableOptions("--config-table", "Config", "S3AUDIT_CONFIG_TABLE", DynamoTables.DefaultConfigTable);
        var command = new Command("trust", "Add the narrowest allowlist entries that would have trusted one alert (shown first; written with --yes)")
        {
            eventId, scope, expires, note, yes, config.Table,
        };
        table.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var id = result.GetValue(eventId)!;
            var now = TimeProvider.System.GetUtcNow();
            var until = When(result.GetValue(expires), "--expires", now, future: true);
            var configTable = config.TableName(result);
            var alert = await FindAsync(table, result, id, cancel).ConfigureAwait(false);
            if (alert.TrustRefusal is { } refusal || alert.TrustPrincipal is null || alert.TrustSource is null)
                throw new UsageException($"alert {id} cannot be trusted in one step: {alert.TrustRefusal ?? "it was stored without the values to trust"}");
            var where = Scope(result.GetValue(scope)!, alert);
            var why = result.GetValue(note) ?? $"trusted alert {id} ({alert.Principal} from {alert.Source} reading {alert.Bucket}/{alert.Key}) with s3audit alerts trust";
            AllowlistEntry[] entries =
            [
                new(EntryKind.Principal, alert.TrustPrincipal, where.Bucket, until, why, Account: where.Account),
                new(EntryKind.Source, alert.TrustSource, where.Bucket, until, why, Account: where.Account),
            ];
            foreach (var entry in entries)
                console.Out.WriteLine((result.GetValue(yes) ? "adding " : "would add ") + entry.Describe() + (until is { } t ? " until " + IsoTime.Format(t) : ""));
            var target = table.Target(result);
            using var client = target.CreateDynamoDb();
            var store = new DynamoConfigStore(client, configTable);
            // Trust is a principal entry AND a source entry: each new entry also pairs with the entries already there.
            // Shown before writing, so "the narrowest" is not taken for "only this pair".
            var existing = (await store.LoadAllAsync(cancel).ConfigureAwait(false)).Entries
                .Where(e => ConfigScope.Of(e).Overlaps(where))
                .ToList();
            WriteAlsoTrusted(console.Out, "source " + alert.TrustSource, "by principals", existing, EntryKind.Principal, alert.TrustPrincipal);
            WriteAlsoTrusted(console.Out, "principal " + alert.TrustPrincipal, "from sources", existing, EntryKind.Source, alert.TrustSource);
            if (!result.GetValue(yes))
            {
                console.Out.WriteLine($"nothing written; run again with --yes to add them to {configTable}");
                return ExitCodes.Ok;
            }
            var who = await Caller.DescribeAsync(target).ConfigureAwait(false);
            await store.PutAsync(entries.Select(e => e with { AddedBy = who, AddedAt = now }), [], cancel).ConfigureAwait(false);
            console.Out.WriteLine($"added {entries.Length} entries to {configTable}; the workflow uses them within its cache period (60 s)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The entries' scope: the alert's account and bucket (the account left out when the record named none), the
    /// account alone, or global.
    /// </summary>
    private static ConfigScope Scope(string scope, StoredAlert alert)
    {
        var account = alert.Account is { } id && AccountId.IsValid(id) ? id : null;
        return scope switch
        {
            "bucket" => new ConfigScope(account, alert.Bucket),
            "account" => account is not null
                ? new ConfigScope(account)
                : throw new UsageException($"alert {alert.EventId} names no account; use --scope bucket or global"),
            _ => ConfigScope.Global,
        };
    }

    /// <summary>"the new source 10.0.0.5 also trusts reads by principals already listed: etl, reporting".</summary>
    private static void WriteAlsoTrusted(TextWriter output, string added, string how, List<AllowlistEntry> existing, EntryKind pairs, string self)
    {
        var partners = existing.Where(e => e.Kind == pairs && e.Value != self).Select(e => e.Describe()).Distinct(StringComparer.Ordinal).ToList();
        if (partners.Count == 0)
            return;
        const int Shown = 10;
        output.WriteLine($"note: the new {added} also trusts reads {how} already listed: {string.Join(", ", partners.Take(Shown))}"
            + (partners.Count > Shown ? $" and {partners.Count - Shown} more" : ""));
    }

    private static async Task<StoredAlert> FindAsync(TableOptions table, ParseResult result, string eventId, CancellationToken cancel)
    {
        using var client = table.Target(result).CreateDynamoDb();
        return await new AlertHistory(client, table.TableName(result)).GetAsync(eventId, cancel).ConfigureAwait(false)
            ?? throw new UsageException($"no alert raised by event {eventId} in {table.TableName(result)} (a duplicate, a trusted read, or older than the table keeps alerts)");
    }

    /// <summary>An ISO 8601 time, or a duration ("7d", "12h", "30m") before now (after now for <paramref name="future"/>).</summary>
    private static DateTimeOffset? When(string? text, string option, DateTimeOffset now, bool future = false)
    {
        if (text is null)
            return null;
        var trimmed = text.Trim();
        if (trimmed.Length >= 2 && long.TryParse(trimmed[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is > 0 and <= 36_500)
        {
            TimeSpan? span = trimmed[^1] switch
            {
                'd' => TimeSpan.FromDays(count),
                'h' => TimeSpan.FromHours(count),
                'm' => TimeSpan.FromMinutes(count),
                _ => null,
            };
            if (span is { } length)
                return future ? now + length : now - length;
        }
        return IsoTime.TryParse(trimmed, out var time)
            ? time
            : throw new UsageException($"{option} \"{text}\" is neither an ISO 8601 time nor a duration such as 7d, 12h or 30m");
    }

    private sealed record AlertFilter(string? Principal, string? Bucket, string? Account, SensitivityLevel? Minimum)
    {
        public bool Keeps(StoredAlert alert) =>
            (Principal is null || alert.Principal.Contains(Principal, StringComparison.OrdinalIgnoreCase)
                || (alert.PrincipalArn?.Contains(Principal, StringComparison.OrdinalIgnoreCase) ?? false)
                || (alert.TrustPrincipal?.Contains(Principal, StringComparison.OrdinalIgnoreCase) ?? false))
            && (Bucket is null || alert.Bucket == Bucket)
            && (Account is null || alert.Account == Account)
            && (Minimum is null || alert.Severity >= Minimum);
    }
}
