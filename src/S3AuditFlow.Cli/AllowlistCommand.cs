using System.CommandLine;
using S3AuditFlow.Aws;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Cli;

/// <summary>`s3audit allowlist`: edit the config table without redeploying. Every input is validated before anything is written.</summary>
public static class AllowlistCommand
{
    private static readonly string[] RuleTypes = ["keyword", "prefix", "glob"];

    /// <summary>Builds the command tree.</summary>
    public static Command Create(CliConsole console)
    {
        var command = new Command("allowlist", "Edit allowlist entries and sensitivity rules in the DynamoDB config table");
        command.Subcommands.Add(AddEntry(console, EntryKind.Source, "add-source", "An IP, CIDR, VPC endpoint ID (vpce-…), AWS service name or \"AWS Internal\""));
        command.Subcommands.Add(AddEntry(console, EntryKind.Principal, "add-principal", "An entity name, ARN, ARN pattern with * or 12-digit account ID"));
        command.Subcommands.Add(AddRule(console));
        command.Subcommands.Add(AddAccessPoint(console));
        command.Subcommands.Add(Remove(console));
        command.Subcommands.Add(ListItems(console));
        command.Subcommands.Add(Import(console));
        command.Subcommands.Add(Export(console));
        command.Subcommands.Add(SuggestCommand.Create(console));
        command.Subcommands.Add(CreateTable(console));
        return command;
    }

    private static Option<string?> BucketOption(string description = "Scope the item to one bucket (default: global)") => new("--bucket") { Description = description };

    private static Option<string?> AccountOption(string description = "Scope the item to one account's reads (12 digits; with --bucket: that bucket in that account)") =>
        new("--account") { Description = description };

    private static Command AddEntry(CliConsole console, EntryKind kind, string name, string valueHelp)
    {
        var value = new Argument<string>("value") { Description = valueHelp };
        var bucket = BucketOption();
        var account = AccountOption();
        var expires = new Option<string?>("--expires") { Description = "ISO 8601 time after which the entry no longer trusts" };
        var note = new Option<string?>("--note") { Description = "Why the entry exists" };
        var table = new TableOptions();
        var command = new Command(name, $"Add a trusted {kind.ToString().ToLowerInvariant()}") { value, bucket, account, expires, note };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var bucketName = ValidBucket(result.GetValue(bucket));
            var entry = new AllowlistEntry(kind, result.GetValue(value)!.Trim(), bucketName, ParseTime(result.GetValue(expires), "--expires"), result.GetValue(note),
                Account: ValidAccount(result.GetValue(account)));
            _ = Allowlist.Build([entry], out var invalid);
            if (invalid.Count > 0)
                throw new UsageException($"{entry.Describe()}: {invalid[0].Error}");
            return await AddAsync(console, table, result, (who, now) =>
            {
                var stamped = entry with { AddedBy = who, AddedAt = now };
                return (new RuleSet([stamped], []), stamped.Describe());
            }, cancel).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command AddRule(CliConsole console)
    {
        var type = new Argument<string>("type") { Description = "keyword (case-insensitive substring), prefix, or glob (* ** ?)" };
        type.AcceptOnlyFromAmong(RuleTypes);
        var value = new Argument<string>("value") { Description = "The keyword, key prefix or glob" };
        var level = new Option<string>("--level") { Description = "critical, high, medium or low", DefaultValueFactory = _ => "high" };
        level.AcceptOnlyFromAmong("critical", "high", "medium", "low");
        var bucket = BucketOption();
        var account = AccountOption();
        var note = new Option<string?>("--note") { Description = "Why the rule exists" };
        var table = new TableOptions();
        var command = new Command("add-rule", "Add a sensitivity rule") { type, value, level, bucket, account, note };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            _ = SensitivityLevels.TryParse(result.GetValue(level), out var parsedLevel);
            var rule = new SensitivityRule(Enum.Parse<RuleKind>(result.GetValue(type)!, ignoreCase: true), result.GetValue(value)!,
                parsedLevel, ValidBucket(result.GetValue(bucket)), result.GetValue(note), Account: ValidAccount(result.GetValue(account)));
            _ = SensitivityClassifier.Build([rule], out var invalid);
            if (invalid.Count > 0)
                throw new UsageException($"rule {rule.Describe()}: {invalid[0].Error}");
            return await AddAsync(console, table, result, (who, now) =>
            {
                var stamped = rule with { AddedBy = who, AddedAt = now };
                return (new RuleSet([], [stamped]), $"rule {stamped.Describe()} ({stamped.Level.Name()})");
            }, cancel).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command AddAccessPoint(CliConsole console)
    {
        var arn = new Argument<string>("arn") { Description = "The access point: arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME" };
        var bucket = BucketOption("The bucket behind the access point: its entries and rules judge copies through it");
        bucket.Required = true;
        var note = new Option<string?>("--note") { Description = "Why the mapping exists" };
        var table = new TableOptions();
        var command = new Command("add-access-point", "Map an access point to its bucket (a global item), so a copy out through it is judged as a copy from the bucket") { arn, bucket, note };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var mapping = new AccessPointBucket(result.GetValue(arn)!, result.GetValue(bucket)!, result.GetValue(note));
            // The check a config file's accessPoints and a table item get: what this writes, scan and the steps use.
            if (AccessPointMap.Validate(mapping) is { } error)
                throw new UsageException($"access point \"{ConfigItems.Abbreviated(mapping.AccessPoint)}\": {error}");
            return await AddAsync(console, table, result, (who, now) =>
                (new RuleSet([], []) { AccessPoints = [mapping with { AddedBy = who, AddedAt = now }] }, $"access point {ItemTable.Mapped(mapping)}"), cancel).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>
    /// What every add-* command ends with: stamps who and when on the already validated item, writes it (the
    /// store checks DynamoDB's size limits before the write) and says what was added.
    /// </summary>
    private static async Task<int> AddAsync(CliConsole console, TableOptions table, ParseResult result,
        Func<string, DateTimeOffset, (RuleSet Items, string What)> stamp, CancellationToken cancel)
    {
        var name = table.TableName(result);
        var target = table.Target(result);
        var (items, what) = stamp(await Caller.DescribeAsync(target).ConfigureAwait(false), Now());
        using var client = target.CreateDynamoDb();
        await new DynamoConfigStore(client, name).PutAsync(items.Entries, items.Rules, items.AccessPoints, cancel).ConfigureAwait(false);
        console.Out.WriteLine($"added {what} to {name}");
        return ExitCodes.Ok;
    }

    private static Command Remove(CliConsole console)
    {
        var kind = new Argument<string>("kind") { Description = "source, principal, rule or access-point" };
        kind.AcceptOnlyFromAmong("source", "principal", "rule", "access-point");
        var values = new Argument<string[]>("value") { Description = "The entry's value; for a rule: TYPE VALUE; for an access point: its ARN", Arity = new ArgumentArity(1, 2) };
        var bucket = BucketOption("The bucket the item is scoped to (default: global, where access points belong)");
        var account = AccountOption("The account the item is scoped to (with --bucket: that bucket in that account)");
        var table = new TableOptions();
        var command = new Command("remove", "Remove an entry, rule or access point: remove source|principal VALUE, remove rule TYPE VALUE, remove access-point ARN") { kind, values, bucket, account };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var parts = result.GetValue(values)!;
            var entry = result.GetValue(kind) switch
            {
                "rule" when parts.Length == 2 && RuleTypes.Contains(parts[0]) => $"rule#{parts[0]}#{parts[1]}",
                "rule" => throw new UsageException("remove rule takes TYPE VALUE, e.g. remove rule keyword cardholder"),
                "access-point" when parts.Length == 1 => ConfigItems.AccessPointEntry(parts[0].Trim()),
                var k when parts.Length == 1 => $"{k}#{parts[0].Trim()}",
                _ => throw new UsageException("remove source|principal|access-point takes one VALUE"),
            };
            var bucketName = ValidBucket(result.GetValue(bucket));
            var scope = new ConfigScope(ValidAccount(result.GetValue(account)), bucketName);
            using var client = table.Target(result).CreateDynamoDb();
            if (!await new DynamoConfigStore(client, table.TableName(result)).DeleteAsync(scope, entry, cancel).ConfigureAwait(false))
                throw new UsageException($"no item {scope.Key} / {entry} in {table.TableName(result)}; nothing removed"
                    + (result.GetValue(kind) == "access-point" && bucketName is not null ? " (access point items are global: --bucket names a misplaced item's scope, not the bucket behind it)" : ""));
            console.Out.WriteLine($"removed {scope.Key} / {entry} from {table.TableName(result)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command ListItems(CliConsole console)
    {
        var bucket = BucketOption("Show only what can apply to this bucket's reads: global items, its own, and those of the bucket in an account");
        var account = AccountOption("Show only what can apply to this account's reads: global items, its own, and those of a bucket in it");
        var format = new Option<string>("--format") { Description = "table or json (the rich config format)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var table = new TableOptions();
        var command = new Command("list", "List entries and rules, with their scope") { bucket, account, format };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var store = Store(console, table, result, out var client);
            using (client)
            {
                var bucketName = ValidBucket(result.GetValue(bucket));
                var accountId = ValidAccount(result.GetValue(account));
                var items = await store.LoadAllAsync(cancel).ConfigureAwait(false);
                if (bucketName is not null || accountId is not null)
                    items = Applying(items, accountId, bucketName);
                if (result.GetValue(format) == "json")
                    WriteJson(console.Out, items);
                else
                    ItemTable.Write(console.Out, items);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "The seed's config.json or the rich format" };
        var table = new TableOptions();
        var command = new Command("import", "Add every entry and rule of a config file (items with the same key are replaced)") { file };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            AuditConfig config;
            try
            {
                config = ConfigLoader.Load(result.GetValue(file)!);
            }
            catch (ConfigException e)
            {
                throw new UsageException($"config {result.GetValue(file)}: {e.Message}");
            }
            var target = table.Target(result);
            var who = await Caller.DescribeAsync(target).ConfigureAwait(false);
            var now = Now();
            var entries = config.Allowlist.Entries.Select(e => e with { AddedBy = e.AddedBy ?? who, AddedAt = e.AddedAt ?? now }).ToList();
            var rules = config.Classifier.Rules.Select(r => r with { AddedBy = r.AddedBy ?? who, AddedAt = r.AddedAt ?? now }).ToList();
            var accessPoints = config.AccessPoints.Mappings.Select(m => m with { AddedBy = m.AddedBy ?? who, AddedAt = m.AddedAt ?? now }).ToList();
            var aliases = config.AccountAliases.All;
            // Every item is checked before the first write: a file with one bad item writes nothing.
            var tooLarge = entries.Select(e => (What: e.Describe(), Error: ConfigItems.SizeError(ConfigItems.ToItem(e))))
                .Concat(rules.Select(r => (What: "rule " + r.Describe(), Error: ConfigItems.SizeError(ConfigItems.ToItem(r)))))
                .Concat(accessPoints.Select(m => (What: "access point " + m.AccessPoint, Error: ConfigItems.SizeError(ConfigItems.ToItem(m)))))
                .Where(i => i.Error is not null)
                .ToList();
            if (tooLarge.Count > 0)
                throw new UsageException($"config {result.GetValue(file)}: {tooLarge.Count} item(s) DynamoDB would refuse, nothing imported; first: {ConfigItems.Abbreviated(tooLarge[0].What)}: {tooLarge[0].Error}");
            using var client = target.CreateDynamoDb();
            await new DynamoConfigStore(client, table.TableName(result)).PutAsync(entries, rules, accessPoints, aliases, cancel).ConfigureAwait(false);
            console.Out.WriteLine($"imported {entries.Count} entries, {rules.Count} rules and {accessPoints.Count} access points"
                + (aliases.Count > 0 ? $" ({aliases.Count} account aliases)" : "") + $" into {table.TableName(result)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "Where to write the rich config format (- for stdout)" };
        var table = new TableOptions();
        var command = new Command("export", "Write every entry and rule as a config file that scan --config reads") { file };
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var store = Store(console, table, result, out var client);
            using (client)
            {
                var items = Exportable(console, await store.LoadAllAsync(cancel).ConfigureAwait(false));
                var path = result.GetValue(file)!;
                var json = CheckedJson(items);
                if (path == "-")
                {
                    console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(json));
                }
                else
                {
                    ExportFile.Write(path, json);
                    console.Out.WriteLine($"exported {items.Entries.Count} entries, {items.Rules.Count} rules and {items.AccessPoints.Count} access points to {path}");
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateTable(CliConsole console)
    {
        var table = new TableOptions();
        var command = new Command("create-table", "Create the config table (for a local try-out; in AWS the stack creates it)");
        table.AddTo(command);
        command.SetAction((result, cancel) => Guarded(console, async () =>
        {
            var name = table.TableName(result);
            using var client = table.Target(result).CreateDynamoDb();
            try
            {
                await DynamoTables.CreateAndWaitAsync(client, DynamoTables.ConfigTable(name), cancel).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e) when (e.InnerException is Amazon.DynamoDBv2.Model.ResourceInUseException)
            {
                // DynamoDB answered: the name is taken. Running the try-out twice must not read as "unreachable".
                throw new UsageException($"table {name} already exists (or is being created or deleted); nothing created");
            }
            console.Out.WriteLine($"created table {name}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static DynamoConfigStore Store(CliConsole console, TableOptions table, ParseResult result, out IDisposable client)
    {
        var dynamo = table.Target(result).CreateDynamoDb();
        client = dynamo;
        return new DynamoConfigStore(dynamo, table.TableName(result), warning => console.Error.WriteLine("s3audit: warning: " + warning));
    }

    /// <summary>
    /// What an export may write: entries the readers would skip are left out with a warning (as production skips
    /// them); a rule that cannot be written refuses the export, because a file without it detects less.
    /// </summary>
    private static RuleSet Exportable(CliConsole console, RuleSet items)
    {
        if (items.UnusableRules.Count > 0)
            throw new UnusableRuleException(items.UnusableRules);
        var writable = ConfigWriter.Writable(items, out var refused);
        foreach (var reason in refused)
            console.Error.WriteLine("s3audit: warning: not exported: " + reason);
        if (writable.Rules.Count < items.Rules.Count || writable.AccessPoints.Count < items.AccessPoints.Count)
            throw new UsageException("rules or access point mappings in the table cannot be written as a config; fix or remove them first (see the warnings)");
        return writable;
    }

    /// <summary>
    /// The config JSON of <paramref name="items"/>, read back as `scan --config` and `allowlist import` read it: a file
    /// export or suggest writes is one they accept. <paramref name="what"/> names it in the error ("the export").
    /// </summary>
    internal static byte[] CheckedJson(RuleSet items, string what = "the export")
    {
        using var buffer = new MemoryStream();
        ConfigWriter.Write(buffer, items);
        try
        {
            buffer.Position = 0;
            _ = ConfigLoader.Load(buffer);
        }
        catch (ConfigException e)
        {
            throw new UsageException($"{what} would be a config scan --config refuses ({e.Message}); nothing written");
        }
        return buffer.ToArray();
    }

    private static void WriteJson(TextWriter output, RuleSet items)
    {
        using var buffer = new MemoryStream();
        ConfigWriter.Write(buffer, items);
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Runs a command body: usage errors exit 2, store failures exit 3, each with one clear line.</summary>
    internal static async Task<int> Guarded(CliConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            console.Error.WriteLine("s3audit: " + e.Message);
            return ExitCodes.UsageError;
        }
        catch (UnusableRuleException e)
        {
            // scan --table with a rule item that does not parse: rules fail closed, so no verdicts at all.
            console.Error.WriteLine("s3audit: " + e.Message);
            return ExitCodes.UsageError;
        }
        catch (StoreUnavailableException e) when (Refused(e))
        {
            // DynamoDB answered and refused the request (a value too long, no such table): the input is wrong,
            // retrying will not help, so it is a usage error and not "unreachable".
            console.Error.WriteLine("s3audit: " + e.Message);
            return ExitCodes.UsageError;
        }
        catch (StoreUnavailableException e)
        {
            console.Error.WriteLine("s3audit: " + e.Message);
            return ExitCodes.StoreError;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or ArgumentException)
        {
            console.Error.WriteLine($"s3audit: {e.GetType().Name}: {e.Message}");
            return e is ArgumentException ? ExitCodes.UsageError : ExitCodes.StoreError;
        }
    }

    /// <summary>A 4xx from DynamoDB other than throttling: the request itself is wrong.</summary>
    private static bool Refused(StoreUnavailableException e) =>
        e.InnerException is Amazon.DynamoDBv2.AmazonDynamoDBException { ErrorCode: "ValidationException" or "ResourceNotFoundException" or "SerializationException" };

    private static string? ValidBucket(string? bucket)
    {
        if (bucket is null)
            return null;
        return BucketName.IsValid(bucket) ? bucket : throw new UsageException($"--bucket \"{bucket}\" is not an S3 bucket name ({BucketName.Rule})");
    }

    private static string? ValidAccount(string? account)
    {
        if (account is null)
            return null;
        return AccountId.IsValid(account) ? account : throw new UsageException($"--account \"{account}\" is not an account ID ({AccountId.Rule})");
    }

    /// <summary>
    /// The items that can apply to a read in <paramref name="account"/> of <paramref name="bucket"/> (either may be
    /// null: any): an item whose scope names another account or bucket is left out. Access points and aliases are global.
    /// </summary>
    private static RuleSet Applying(RuleSet items, string? account, string? bucket)
    {
        var asked = new ConfigScope(account, bucket);
        bool Fits(ConfigScope scope) => scope.Overlaps(asked);
        // Widest scope first (global, account, bucket, bucket in account), as the check reads them.
        static int Rank(ConfigScope scope) => (scope.Account is null ? 0 : 1) + (scope.Bucket is null ? 0 : 2);
        return new RuleSet(
            [.. items.Entries.Where(e => Fits(ConfigScope.Of(e))).OrderBy(e => Rank(ConfigScope.Of(e)))],
            [.. items.Rules.Where(r => Fits(ConfigScope.Of(r))).OrderBy(r => Rank(ConfigScope.Of(r)))])
        {
            UnusableRules = items.UnusableRules,
            AccessPoints = items.AccessPoints,
            Aliases = items.Aliases,
        };
    }

    private static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (text is null)
            return null;
        return IsoTime.TryParse(text, out var time)
            ? time
            : throw new UsageException($"{option} \"{text}\" is not an ISO 8601 time (e.g. 2027-01-01 or 2027-01-01T00:00:00Z)");
    }

    private static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();
}

/// <summary>A command's input is wrong; nothing was written.</summary>
public sealed class UsageException(string message) : Exception(message);
