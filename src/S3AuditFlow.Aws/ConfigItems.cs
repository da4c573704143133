using S3AuditFlow.Core.Config;
using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Aws;

/// <summary>
/// The config table's item model, one item per allowlist entry or rule, readable in the DynamoDB console:
/// scope = "global" | "account#ID" | "bucket#NAME" | "account#ID#bucket#NAME" (<see cref="ConfigScope"/>);
/// entry = "source#VALUE" | "principal#VALUE" | "rule#keyword|prefix|glob#VALUE" | "accesspoint#ARN" (global only, with
/// attribute bucket) | "alias#ID" (global only, with attribute alias); optional note, level (rules), expires (ISO 8601),
/// addedBy, addedAt.
/// </summary>
public static class ConfigItems
{
    /// <summary>Scope of global items.</summary>
    public const string GlobalScope = "global";

    /// <summary>DynamoDB's limit on a partition key value, in UTF-8 bytes.</summary>
    public const int MaxScopeBytes = 2048;

    /// <summary>DynamoDB's limit on a sort key value, in UTF-8 bytes.</summary>
    public const int MaxEntryBytes = 1024;

    /// <summary>DynamoDB's limit on an item: attribute names and values, in UTF-8 bytes.</summary>
    public const int MaxItemBytes = 400 * 1024;

    private const string AccessPointPrefix = "accesspoint#";

    private const string AliasPrefix = "alias#";

    /// <summary>"global", "account#ID", "bucket#NAME" or "account#ID#bucket#NAME".</summary>
    public static string Scope(ConfigScope scope) => scope.Key;

    /// <summary>The item of an allowlist entry.</summary>
    public static Dictionary<string, AttributeValue> ToItem(AllowlistEntry entry)
    {
        var item = Key(ConfigScope.Of(entry), (entry.Kind == EntryKind.Source ? "source#" : "principal#") + entry.Value);
        Optional(item, "note", entry.Note);
        Optional(item, "expires", Iso(entry.Expires));
        Optional(item, "addedBy", entry.AddedBy);
        Optional(item, "addedAt", Iso(entry.AddedAt));
        return item;
    }

    /// <summary>The item of a sensitivity rule.</summary>
    public static Dictionary<string, AttributeValue> ToItem(SensitivityRule rule)
    {
        var item = Key(ConfigScope.Of(rule), $"rule#{SensitivityRule.KindName(rule.Kind)}#{rule.Value}");
        item["level"] = new AttributeValue { S = rule.Level.Name() };
        Optional(item, "note", rule.Note);
        Optional(item, "addedBy", rule.AddedBy);
        Optional(item, "addedAt", Iso(rule.AddedAt));
        return item;
    }

    /// <summary>The item of an access point mapping: scope global, entry "accesspoint#ARN", attribute bucket.</summary>
    public static Dictionary<string, AttributeValue> ToItem(AccessPointBucket mapping)
    {
        var item = Key(ConfigScope.Global, AccessPointEntry(mapping.AccessPoint));
        item["bucket"] = new AttributeValue { S = mapping.Bucket };
        Optional(item, "note", mapping.Note);
        Optional(item, "addedBy", mapping.AddedBy);
        Optional(item, "addedAt", Iso(mapping.AddedAt));
        return item;
    }

    /// <summary>The item of an account alias: scope global, entry "alias#ID", attribute alias.</summary>
    public static Dictionary<string, AttributeValue> ToItem(AccountAlias alias)
    {
        var item = Key(ConfigScope.Global, AliasPrefix + alias.Account);
        item["alias"] = new AttributeValue { S = alias.Alias };
        return item;
    }

    /// <summary>
    /// Reads an alias item ("alias#ID" with an alias attribute, in the global scope); false for any other item. A
    /// true result with an error is an alias item that cannot be used: it is skipped with a warning, because an alias
    /// only names an account in alerts and never decides a verdict.
    /// </summary>
    public static bool TryAlias(Dictionary<string, AttributeValue> item, out AccountAlias? alias, out string? error)
    {
        alias = null;
        error = null;
        if (Text(item, DynamoTables.EntryKey) is not { } entry || !entry.StartsWith(AliasPrefix, StringComparison.Ordinal))
            return false;
        var candidate = new AccountAlias(entry[AliasPrefix.Length..], Text(item, "alias") ?? "");
        error = Text(item, DynamoTables.ScopeKey) != GlobalScope ? "an alias item belongs in the global scope" : candidate.Validate();
        alias = error is null ? candidate : null;
        return true;
    }

    /// <summary>The sort key of an access point item: "accesspoint#ARN".</summary>
    public static string AccessPointEntry(string accessPoint) => AccessPointPrefix + accessPoint;

    /// <summary>
    /// Reads an access point item ("accesspoint#ARN" with a bucket attribute, in the global scope); false for any
    /// other item. A true result with an error is an access point item that cannot be used.
    /// </summary>
    public static bool TryAccessPoint(Dictionary<string, AttributeValue> item, out AccessPointBucket? mapping, out string? error)
    {
        mapping = null;
        error = null;
        if (Text(item, DynamoTables.EntryKey) is not { } entry || !entry.StartsWith(AccessPointPrefix, StringComparison.Ordinal))
            return false;
        if (Text(item, DynamoTables.ScopeKey) != GlobalScope)
            error = "an access point item belongs in the global scope";
        else if (Text(item, "bucket") is not { } bucket)
            error = "missing the \"bucket\" attribute (the bucket behind the access point)";
        else if (TryTime(item, "addedAt", out var addedAt, out error))
        {
            var candidate = new AccessPointBucket(entry[AccessPointPrefix.Length..], bucket, Text(item, "note"), Text(item, "addedBy"), addedAt);
            error = AccessPointMap.Validate(candidate);
            mapping = error is null ? candidate : null;
        }
        return true;
    }

    /// <summary>The primary key of an item.</summary>
    public static Dictionary<string, AttributeValue> Key(ConfigScope scope, string entry) => new()
    {
        [DynamoTables.ScopeKey] = new AttributeValue { S = scope.Key },
        [DynamoTables.EntryKey] = new AttributeValue { S = entry },
    };

    /// <summary>
    /// Why DynamoDB would refuse to store <paramref name="item"/> (a key or the item too large), or null. Checked for
    /// every item before the first write, so a file with one bad item writes nothing instead of part of itself.
    /// </summary>
    public static string? SizeError(Dictionary<string, AttributeValue> item)
    {
        var scope = Utf8(item[DynamoTables.ScopeKey].S);
        var entry = Utf8(item[DynamoTables.EntryKey].S);
        if (scope > MaxScopeBytes)
            return $"its scope is {scope} bytes; DynamoDB keys hold at most {MaxScopeBytes}";
        if (entry > MaxEntryBytes)
            return $"its entry key \"{Abbreviated(item[DynamoTables.EntryKey].S)}\" is {entry} bytes; DynamoDB sort keys hold at most {MaxEntryBytes}";
        var size = item.Sum(a => Utf8(a.Key) + Utf8(a.Value.S ?? ""));
        return size > MaxItemBytes ? $"it is {size} bytes; DynamoDB items hold at most {MaxItemBytes}" : null;
    }

    private static int Utf8(string text) => System.Text.Encoding.UTF8.GetByteCount(text);

    /// <summary>A key cut to 60 characters for messages (a too-long key must not flood the terminal).</summary>
    public static string Abbreviated(string text) => text.Length <= 60 ? text : text[..60] + "…";

    /// <summary>
    /// Reads an item back. An item that cannot be read (unknown kind, bad level or time, missing key) gives
    /// null and a reason; value checks such as CIDR syntax happen when the allowlist compiles.
    /// </summary>
    public static (AllowlistEntry? Entry, SensitivityRule? Rule, string? Error) FromItem(Dictionary<string, AttributeValue> item)
    {
        var scope = Text(item, DynamoTables.ScopeKey);
        var entry = Text(item, DynamoTables.EntryKey);
        if (scope is null || entry is null)
            return (null, null, "missing scope or entry");
        if (!ConfigScope.TryParse(scope, out var parsed, out var scopeError))
            return (null, null, scopeError);
        var (account, bucket) = (parsed.Account, parsed.Bucket);

        if (!TryTime(item, "addedAt", out var addedAt, out var error))
            return (null, null, error);
        var note = Text(item, "note");
        var addedBy = Text(item, "addedBy");
        var hash = entry.IndexOf('#', StringComparison.Ordinal);
        var kind = hash > 0 ? entry[..hash] : entry;
        var value = hash > 0 ? entry[(hash + 1)..] : "";
        switch (kind)
        {
            case "source" or "principal" when value.Length > 0:
                if (!TryTime(item, "expires", out var expires, out error))
                    return (null, null, error);
                var entryKind = kind == "source" ? EntryKind.Source : EntryKind.Principal;
                return (new AllowlistEntry(entryKind, value, bucket, expires, note, addedBy, addedAt, account), null, null);
            case "rule":
                var split = value.IndexOf('#', StringComparison.Ordinal);
                var type = split > 0 ? value[..split] : value;
                var ruleValue = split > 0 ? value[(split + 1)..] : "";
                if (type is not ("keyword" or "prefix" or "glob") || ruleValue.Length == 0)
                    return (null, null, $"entry \"{entry}\" is not rule#keyword|prefix|glob#VALUE");
                var levelText = Text(item, "level");
                var level = SensitivityLevel.High;
                if (levelText is not null && !SensitivityLevels.TryParse(levelText, out level))
                    return (null, null, $"unknown level \"{levelText}\"");
                var ruleKind = Enum.Parse<RuleKind>(type, ignoreCase: true);
                return (null, new SensitivityRule(ruleKind, ruleValue, level, bucket, note, addedBy, addedAt, account), null);
            default:
                return (null, null, $"entry \"{entry}\" is not source#…, principal#… or rule#…");
        }
    }

    /// <summary>
    /// True for an allowlist entry item (source#… or principal#…), which may be skipped when unreadable because a
    /// missing entry only trusts less. Everything else unreadable — a rule, or an item of unknown kind that may
    /// have been meant as a rule — must not be skipped.
    /// </summary>
    public static bool IsEntryItem(Dictionary<string, AttributeValue> item) =>
        Text(item, DynamoTables.EntryKey) is { } entry
        && (entry.StartsWith("source#", StringComparison.Ordinal) || entry.StartsWith("principal#", StringComparison.Ordinal));

    private static bool TryTime(Dictionary<string, AttributeValue> item, string name, out DateTimeOffset? time, out string? error)
    {
        time = null;
        error = null;
        if (!item.TryGetValue(name, out var value))
            return true;
        // A number typed in the console must not pass as "no expiry": an unreadable time rejects the item.
        if (value.S is not { Length: > 0 } text)
        {
            error = $"{name} must be an ISO 8601 string";
            return false;
        }
        if (IsoTime.TryParse(text, out var parsed))
        {
            time = parsed;
            return true;
        }
        error = $"{name} \"{text}\" is not an ISO 8601 time";
        return false;
    }

    private static string? Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.S) ? value.S : null;

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
            item[name] = new AttributeValue { S = value };
    }

    private static string? Iso(DateTimeOffset? time) => time is { } t ? IsoTime.Format(t) : null;
}
