using System.Text.Json;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Config;

/// <summary>Writes entries and rules in the rich config format, so `scan --config` can replay with exactly them.</summary>
public static class ConfigWriter
{
    /// <summary>Writes a version-1 config holding <paramref name="items"/>.</summary>
    public static void Write(Stream output, RuleSet items)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteNumber("version", 1);
        WriteEntries(writer, "sources", items.Entries.Where(e => e.Kind == EntryKind.Source));
        WriteEntries(writer, "principals", items.Entries.Where(e => e.Kind == EntryKind.Principal));
        writer.WriteStartArray("rules");
        foreach (var rule in items.Rules)
        {
            writer.WriteStartObject();
            writer.WriteString("type", SensitivityRule.KindName(rule.Kind));
            writer.WriteString("value", rule.Value);
            writer.WriteString("level", rule.Level.Name());
            Optional(writer, "account", rule.Account);
            Optional(writer, "bucket", rule.Bucket);
            Optional(writer, "note", rule.Note);
            Optional(writer, "addedBy", rule.AddedBy);
            Optional(writer, "addedAt", Iso(rule.AddedAt));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (items.AccessPoints.Count > 0)
        {
            writer.WriteStartArray("accessPoints");
            foreach (var mapping in items.AccessPoints)
            {
                writer.WriteStartObject();
                writer.WriteString("accessPoint", mapping.AccessPoint);
                writer.WriteString("bucket", mapping.Bucket);
                Optional(writer, "note", mapping.Note);
                Optional(writer, "addedBy", mapping.AddedBy);
                Optional(writer, "addedAt", Iso(mapping.AddedAt));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        if (items.Aliases.Count > 0)
        {
            writer.WriteStartObject("accountAliases");
            foreach (var alias in items.Aliases)
                writer.WriteString(alias.Account, alias.Alias);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// The items a config file can hold: entries and rules that compile alone, as <see cref="ConfigLoader"/> checks
    /// them. The rest come back in <paramref name="refused"/> with the reason, so an export never writes a file that
    /// `scan --config` refuses.
    /// </summary>
    public static RuleSet Writable(RuleSet items, out IReadOnlyList<string> refused)
    {
        var reasons = new List<string>();
        var entries = new List<AllowlistEntry>();
        foreach (var entry in items.Entries)
        {
            _ = Allowlist.Build([entry], out var bad);
            if (bad.Count > 0)
                reasons.Add($"{entry.Describe()}: {bad[0].Error}");
            else if (ConfigScope.Of(entry).Validate() is { } scopeError)
                reasons.Add($"{entry.Describe()}: {scopeError}");
            else
                entries.Add(entry);
        }
        var rules = new List<SensitivityRule>();
        foreach (var rule in items.Rules)
        {
            _ = SensitivityClassifier.Build([rule], out var bad);
            if (bad.Count > 0)
                reasons.Add($"rule {rule.Describe()}: {bad[0].Error}");
            else if (ConfigScope.Of(rule).Validate() is { } scopeError)
                reasons.Add($"rule {rule.Describe()}: {scopeError}");
            else
                rules.Add(rule);
        }
        var accessPoints = new List<AccessPointBucket>();
        foreach (var mapping in items.AccessPoints)
        {
            _ = AccessPointMap.Build([.. accessPoints, mapping], out var bad);
            if (bad.Count > 0)
                reasons.Add($"access point {mapping.AccessPoint}: {bad[0].Error}");
            else
                accessPoints.Add(mapping);
        }
        // One alias per account in a file (a JSON object): the last one read wins, as it does when judging.
        var aliases = new Dictionary<string, AccountAlias>(StringComparer.Ordinal);
        foreach (var alias in items.Aliases)
        {
            if (alias.Validate() is { } error)
                reasons.Add($"account alias {alias.Account}: {error}");
            else
                aliases[alias.Account] = alias;
        }
        refused = reasons;
        return new RuleSet(entries, rules) { AccessPoints = accessPoints, Aliases = [.. aliases.Values.OrderBy(a => a.Account, StringComparer.Ordinal)] };
    }

    private static void WriteEntries(Utf8JsonWriter writer, string name, IEnumerable<AllowlistEntry> entries)
    {
        writer.WriteStartArray(name);
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            writer.WriteString("value", entry.Value);
            Optional(writer, "account", entry.Account);
            Optional(writer, "bucket", entry.Bucket);
            Optional(writer, "expires", Iso(entry.Expires));
            Optional(writer, "note", entry.Note);
            Optional(writer, "addedBy", entry.AddedBy);
            Optional(writer, "addedAt", Iso(entry.AddedAt));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }

    private static string? Iso(DateTimeOffset? time) => time is { } t ? IsoTime.Format(t) : null;
}
