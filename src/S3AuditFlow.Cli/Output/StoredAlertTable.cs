using System.Globalization;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Cli.Output;

/// <summary>`alerts list` and `alerts show` as text.</summary>
public static class StoredAlertTable
{
    /// <summary>
    /// One row per alert, newest first as given. "harvest" counts the objects of the harvest (same
    /// principal, source and bucket) the alert is part of, shown from 2: one object is the alert itself.
    /// </summary>
    public static void Write(TextWriter output, IReadOnlyList<StoredAlert> alerts)
    {
        var rows = alerts.Select(a => new[]
        {
            IsoTime.Format(a.EventTime), a.Severity.Name(), a.AccountLabel ?? "", a.Principal, a.Source, a.Bucket + "/" + a.Key,
            Count(a.Repeats), a.HarvestObjects > 1 ? Count(a.HarvestObjects) : "", a.EventId,
        }).ToList();
        TextTable.Write(output, ["time", "severity", "account", "principal", "source", "object", "repeats", "harvest", "event id"], rows, "", 6, 7);
    }

    /// <summary>Every field of one alert, and what `alerts trust` would add for it.</summary>
    public static void WriteOne(TextWriter output, StoredAlert alert)
    {
        var rows = new List<string[]>
        {
            new[] { "event id", alert.EventId },
            new[] { "time", IsoTime.Format(alert.EventTime) },
            new[] { "severity", alert.Severity.Name() },
            new[] { "event", alert.EventName + " (" + alert.Outcome + ")" },
            new[] { "object", alert.Bucket + "/" + alert.Key },
            new[] { "account", alert.AccountLabel ?? "" },
            new[] { "region", alert.Region ?? "" },
            new[] { "principal", alert.Principal + (alert.PrincipalArn is { } arn ? " (" + arn + ")" : "") },
            new[] { "source", alert.Source },
            new[] { "repeats", Count(alert.Repeats) },
            new[] { "harvest", alert.HarvestObjects > 1 ? Count(alert.HarvestObjects) + " objects read in the harvest this alert is part of" : "none" },
            new[] { "trust with", alert.TrustRefusal ?? $"principal {alert.TrustPrincipal} and source {alert.TrustSource}" },
        };
        rows.AddRange(alert.Reasons.Select((reason, i) => new[] { i == 0 ? "why" : "", reason }));
        foreach (var row in rows)
            output.WriteLine($"{row[0],-11} {row[1]}".TrimEnd());
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
