using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Cli.Output;

/// <summary>`allowlist list`: one row per item.</summary>
public static class ItemTable
{
    /// <summary>Writes the rows: entries, rules, then access points (ARN -> bucket).</summary>
    public static void Write(TextWriter output, RuleSet items)
    {
        var rows = items.Entries.Select(e => new[]
            {
                ConfigScope.Of(e).Key, e.Kind == EntryKind.Source ? "source" : "principal", e.Value, "", Iso(e.Expires), e.Note ?? "", e.AddedBy ?? "", Iso(e.AddedAt),
            })
            .Concat(items.Rules.Select(r => new[]
            {
                ConfigScope.Of(r).Key, "rule:" + SensitivityRule.KindName(r.Kind), r.Value, r.Level.Name(), "", r.Note ?? "", r.AddedBy ?? "", Iso(r.AddedAt),
            }))
            .Concat(items.AccessPoints.Select(m => new[]
            {
                "global", "access-point", Mapped(m), "", "", m.Note ?? "", m.AddedBy ?? "", Iso(m.AddedAt),
            }))
            .Concat(items.Aliases.Select(a => new[]
            {
                "global", "alias", $"{a.Account} = {a.Alias}", "", "", "", "", "",
            }))
            .ToList();
        string[] header = ["scope", "kind", "value", "level", "expires", "note", "added by", "added at"];
        TextTable.Write(output, header, rows);
        output.WriteLine($"{items.Entries.Count} entries, {items.Rules.Count} rules, {items.AccessPoints.Count} access points"
            + (items.Aliases.Count > 0 ? $", {items.Aliases.Count} account aliases" : ""));
    }

    /// <summary>"ARN -> bucket": how list and add-access-point name a mapping.</summary>
    public static string Mapped(AccessPointBucket mapping) => $"{mapping.AccessPoint} -> {mapping.Bucket}";

    private static string Iso(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "";
}
