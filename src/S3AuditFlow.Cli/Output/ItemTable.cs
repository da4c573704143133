using System.Globalization;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Cli.Output;

/// <summary>`allowlist list`: one row per item.</summary>
public static class ItemTable
{
    /// <summary>Writes the rows, entries first.</summary>
    public static void Write(TextWriter output, RuleSet items)
    {
        var rows = items.Entries.Select(e => new[]
            {
                e.Bucket ?? "global", e.Kind == EntryKind.Source ? "source" : "principal", e.Value, "", Iso(e.Expires), e.Note ?? "", e.AddedBy ?? "", Iso(e.AddedAt),
            })
            .Concat(items.Rules.Select(r => new[]
            {
                r.Bucket ?? "global", "rule:" + SensitivityRule.KindName(r.Kind), r.Value, r.Level.Name(), "", r.Note ?? "", r.AddedBy ?? "", Iso(r.AddedAt),
            }))
            .ToList();
        string[] header = ["scope", "kind", "value", "level", "expires", "note", "added by", "added at"];
        TextTable.Write(output, header, rows);
        output.WriteLine($"{items.Entries.Count} entries, {items.Rules.Count} rules");
    }

    private static string Iso(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "";
}
