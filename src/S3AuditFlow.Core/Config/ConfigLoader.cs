using System.Text.Json;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Config;

/// <summary>
/// Reads a config file: the seed's config.json as published (authorized_sources, authorized_entities,
/// sensitive_filename_keywords) or the project's rich format (see README, "Config format").
/// </summary>
public static class ConfigLoader
{
    private static readonly string[] SeedKeys = ["authorized_sources", "authorized_entities", "sensitive_filename_keywords"];
    private static readonly HashSet<string> RichKeys = new(StringComparer.Ordinal) { "$schema", "version", "sources", "principals", "rules", "monitoredEvents", "dedupWindowMinutes", "burstLimit", "harvestThresholds", "accessPoints", "accountAliases" };
    private static readonly HashSet<string> EntryKeys = new(StringComparer.Ordinal) { "value", "account", "bucket", "expires", "note", "addedBy", "addedAt" };
    private static readonly HashSet<string> AccessPointKeys = new(StringComparer.Ordinal) { "accessPoint", "bucket", "note", "addedBy", "addedAt" };
    private static readonly HashSet<string> RuleKeys = new(StringComparer.Ordinal) { "type", "value", "level", "account", "bucket", "note", "addedBy", "addedAt" };

    /// <summary>Loads a config file.</summary>
    /// <exception cref="ConfigException">The file is unreadable or an entry is invalid; the message names it.</exception>
    public static AuditConfig Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Load(stream);
        }
        catch (IOException e)
        {
            throw new ConfigException($"cannot read config {path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException($"cannot read config {path}: {e.Message}");
        }
    }

    /// <summary>Loads a config from JSON.</summary>
    public static AuditConfig Load(Stream json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"config is not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            CheckDocument(root, "config");
            if (root.ValueKind != JsonValueKind.Object)
                throw new ConfigException("config must be a JSON object");
            return SeedKeys.Any(k => root.TryGetProperty(k, out _)) ? LoadSeed(root) : LoadRich(root);
        }
    }

    /// <summary>
    /// Checks the whole document, naming where, before anything is read. A repeated property would keep only its
    /// last value: a second "rules" silently dropped the first list (and the cardholder rule with it). A string
    /// that is not text (a lone UTF-16 surrogate such as "\ud800", or invalid UTF-8) would throw from deep inside
    /// the loader and crash the CLI; it is refused instead of replaced, because a changed character in an ARN or
    /// a keyword changes what the entry means.
    /// </summary>
    private static void CheckDocument(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var name = Text(() => property.Name, $"a property name in {where}");
                if (!names.Add(name))
                    throw new ConfigException($"{where}: duplicate property \"{name}\" (only one of each is allowed; JSON readers disagree on which would count)");
                CheckDocument(property.Value, where == "config" ? name : $"{where}.{name}");
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
                CheckDocument(item, $"{where}[{index++}]");
        }
        else if (element.ValueKind == JsonValueKind.String)
        {
            _ = Text(element.GetString, where);
        }
    }

    private static string Text(Func<string?> read, string where)
    {
        try
        {
            return read() ?? "";
        }
        catch (InvalidOperationException)
        {
            throw new ConfigException($"{where}: not valid text (a lone UTF-16 surrogate escape such as \\ud800, or bytes that are not UTF-8)");
        }
    }

    /// <summary>The seed's format: global entries and keyword rules at the default level.</summary>
    private static AuditConfig LoadSeed(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!SeedKeys.Contains(property.Name))
                throw new ConfigException($"unknown property \"{property.Name}\" in a seed-format config (expected {string.Join(", ", SeedKeys)})");
        }
        var entries = Strings(root, "authorized_sources").Select(v => new AllowlistEntry(EntryKind.Source, v))
            .Concat(Strings(root, "authorized_entities").Select(v => new AllowlistEntry(EntryKind.Principal, v)));
        var rules = Strings(root, "sensitive_filename_keywords").Select(v => new SensitivityRule(RuleKind.Keyword, v));
        return AuditConfig.Create(entries.ToList(), rules.ToList());
    }

    private static AuditConfig LoadRich(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!RichKeys.Contains(property.Name))
                throw new ConfigException($"unknown property \"{property.Name}\" (expected one of {string.Join(", ", RichKeys.Skip(1))})");
        }
        if (root.TryGetProperty("version", out var version) && !(version.ValueKind == JsonValueKind.Number && version.GetRawText() == "1"))
            throw new ConfigException($"unsupported config version {version.GetRawText()} (this release reads version 1)");

        var entries = Entries(root, "sources", EntryKind.Source).Concat(Entries(root, "principals", EntryKind.Principal)).ToList();
        var rules = Rules(root).ToList();
        IEnumerable<string>? monitored = root.TryGetProperty("monitoredEvents", out _) ? Strings(root, "monitoredEvents") : null;
        TimeSpan? window = null;
        if (root.TryGetProperty("dedupWindowMinutes", out var minutes))
        {
            if (minutes.ValueKind != JsonValueKind.Number || !minutes.TryGetDouble(out var value) || value <= 0 || value > 7 * 24 * 60)
                throw new ConfigException($"dedupWindowMinutes {minutes.GetRawText()}: expected a number of minutes between 0 and 10080");
            window = TimeSpan.FromMinutes(value);
        }
        int? burstLimit = null;
        if (root.TryGetProperty("burstLimit", out var burst))
        {
            if (burst.ValueKind != JsonValueKind.Number || !burst.TryGetInt32(out var limit) || limit < 0)
                throw new ConfigException($"burstLimit {burst.GetRawText()}: expected a whole number, 0 for no limit");
            burstLimit = limit;
        }
        return AuditConfig.Create(entries, rules, monitored, window, burstLimit, HarvestThresholds(root), AccessPoints(root).ToList(), AccountAliases(root).ToList());
    }

    /// <summary>`accountAliases`: {"111122223333": "prod-data"}: names shown beside account IDs in alerts.</summary>
    private static IEnumerable<AccountAlias> AccountAliases(JsonElement root)
    {
        if (!root.TryGetProperty("accountAliases", out var aliases) || aliases.ValueKind == JsonValueKind.Null)
            yield break;
        if (aliases.ValueKind != JsonValueKind.Object)
            throw new ConfigException("\"accountAliases\" must be an object of account ID → alias, e.g. {\"111122223333\": \"prod-data\"}");
        foreach (var property in aliases.EnumerateObject())
        {
            var where = $"accountAliases.{property.Name}";
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new ConfigException($"{where}: the alias must be a string");
            var alias = new AccountAlias(property.Name, property.Value.GetString()!);
            if (alias.Validate() is { } error)
                throw new ConfigException($"{where}: {error}");
            yield return alias;
        }
    }

    /// <summary>`accessPoints`: [{"accessPoint": "arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME", "bucket": "NAME", "note", "addedBy", "addedAt"}].</summary>
    private static IEnumerable<AccessPointBucket> AccessPoints(JsonElement root)
    {
        var index = 0;
        foreach (var item in Array(root, "accessPoints"))
        {
            var where = $"accessPoints[{index++}]";
            RequireObject(item, where, AccessPointKeys);
            var mapping = new AccessPointBucket(RequiredString(item, "accessPoint", where), RequiredString(item, "bucket", where),
                OptionalString(item, "note", where), OptionalString(item, "addedBy", where), OptionalTime(item, "addedAt", where));
            if (AccessPointMap.Validate(mapping) is { } error)
                throw new ConfigException($"{where} \"{Shown(mapping.AccessPoint)}\": {error}");
            yield return mapping;
        }
    }

    /// <summary>`harvestThresholds`: ascending whole numbers of objects; [] turns harvest notifications off.</summary>
    private static HarvestPolicy? HarvestThresholds(JsonElement root)
    {
        if (!root.TryGetProperty("harvestThresholds", out _))
            return null;
        var thresholds = new List<long>();
        var index = 0;
        foreach (var item in Array(root, "harvestThresholds"))
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var threshold))
                throw new ConfigException($"harvestThresholds[{index}] {item.GetRawText()}: expected a whole number of objects");
            thresholds.Add(threshold);
            index++;
        }
        return new HarvestPolicy(thresholds);
    }

    private static IEnumerable<AllowlistEntry> Entries(JsonElement root, string name, EntryKind kind)
    {
        var index = 0;
        foreach (var item in Array(root, name))
        {
            var where = $"{name}[{index++}]";
            if (item.ValueKind == JsonValueKind.String)
            {
                yield return Validated(new AllowlistEntry(kind, item.GetString()!), where);
                continue;
            }
            RequireObject(item, where, EntryKeys);
            var value = RequiredString(item, "value", where);
            var entry = new AllowlistEntry(kind, value, OptionalBucket(item, where), OptionalTime(item, "expires", where),
                OptionalString(item, "note", where), OptionalString(item, "addedBy", where), OptionalTime(item, "addedAt", where),
                OptionalAccount(item, where));
            yield return Validated(entry, where);
        }
    }

    /// <summary>Compiles one entry alone so the error can say where it stands in the file.</summary>
    private static AllowlistEntry Validated(AllowlistEntry entry, string where)
    {
        _ = Allowlist.Build([entry], out var invalid);
        if (invalid.Count > 0)
            throw new ConfigException($"{where} \"{Shown(entry.Value)}\": {invalid[0].Error}");
        return entry;
    }

    /// <summary>A value as quoted in an error, a long one cut short (never inside a surrogate pair): a 5,000-character pattern is named, not printed.</summary>
    private static string Shown(string value) => value.Length <= 80 ? value : value[..(char.IsHighSurrogate(value[59]) ? 59 : 60)] + "…";

    private static IEnumerable<SensitivityRule> Rules(JsonElement root)
    {
        var index = 0;
        foreach (var item in Array(root, "rules"))
        {
            var where = $"rules[{index++}]";
            RequireObject(item, where, RuleKeys);
            var type = RequiredString(item, "type", where);
            if (!SensitivityLevels.ExactName<RuleKind>(type, out var kind))
                throw new ConfigException($"{where}: unknown rule type \"{type}\" (expected keyword, prefix or glob)");
            var level = SensitivityLevel.High;
            var levelText = OptionalString(item, "level", where);
            if (levelText is not null && !SensitivityLevels.TryParse(levelText, out level))
                throw new ConfigException($"{where}: unknown level \"{levelText}\" (expected critical, high, medium or low)");
            var value = RequiredString(item, "value", where);
            if (value.Length == 0)
                throw new ConfigException($"{where}: empty value would match every key");
            var rule = new SensitivityRule(kind, value, level, OptionalBucket(item, where), OptionalString(item, "note", where),
                OptionalString(item, "addedBy", where), OptionalTime(item, "addedAt", where), OptionalAccount(item, where));
            if (SensitivityClassifier.Validate(rule) is { } error)
                throw new ConfigException($"{where} \"{Shown(value)}\": {error}");
            yield return rule;
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw new ConfigException($"\"{name}\" must be an array");
        return array.EnumerateArray().ToList();
    }

    private static IEnumerable<string> Strings(JsonElement root, string name)
    {
        var index = 0;
        foreach (var item in Array(root, name))
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Trim().Length == 0)
                throw new ConfigException($"{name}[{index}]: expected a non-empty string, found {item.GetRawText()}");
            index++;
            yield return item.GetString()!;
        }
    }

    private static void RequireObject(JsonElement item, string where, HashSet<string> allowed)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"{where}: expected an object{(allowed == EntryKeys ? " or a string" : "")}, found {item.GetRawText()}");
        foreach (var property in item.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
                throw new ConfigException($"{where}: unknown property \"{property.Name}\"");
        }
    }

    private static string RequiredString(JsonElement item, string name, string where) =>
        OptionalString(item, name, where) ?? throw new ConfigException($"{where}: missing \"{name}\"");

    private static string? OptionalString(JsonElement item, string name, string where)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new ConfigException($"{where}: \"{name}\" must be a string");
        return value.GetString();
    }

    /// <summary>A bucket scope; "" or a name S3 would refuse matches no event, so it is refused rather than kept unused.</summary>
    private static string? OptionalBucket(JsonElement item, string where)
    {
        var bucket = OptionalString(item, "bucket", where);
        if (bucket is not null && !BucketName.IsValid(bucket))
            throw new ConfigException($"{where}: \"bucket\" \"{bucket}\" is not an S3 bucket name ({BucketName.Rule})");
        return bucket;
    }

    /// <summary>An account scope: a 12-digit ID. Anything else matches no read, so it is refused rather than kept unused.</summary>
    private static string? OptionalAccount(JsonElement item, string where)
    {
        var account = OptionalString(item, "account", where);
        if (account is not null && !AccountId.IsValid(account))
            throw new ConfigException($"{where}: \"account\" \"{Shown(account)}\" is not an account ID ({AccountId.Rule})");
        return account;
    }

    private static DateTimeOffset? OptionalTime(JsonElement item, string name, string where)
    {
        var text = OptionalString(item, name, where);
        if (text is null)
            return null;
        if (IsoTime.TryParse(text, out var time))
            return time;
        throw new ConfigException($"{where}: \"{name}\" \"{text}\" is not an ISO 8601 time");
    }
}
