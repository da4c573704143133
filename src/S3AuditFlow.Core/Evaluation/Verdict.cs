namespace S3AuditFlow.Core.Evaluation;

/// <summary>The one outcome every evaluated event gets.</summary>
public enum Verdict
{
    /// <summary>An unexpected read of a sensitive object: notify.</summary>
    Alert,
    /// <summary>Repeats an alert already raised (same event ID, or same access within the dedup window).</summary>
    Duplicate,
    /// <summary>Both principal and source are trusted.</summary>
    Allowlisted,
    /// <summary>No sensitivity rule matches the object.</summary>
    NotSensitive,
    /// <summary>An S3 data event whose eventName is not monitored.</summary>
    NotMonitored,
    /// <summary>Not an S3 data event at all (management event, other service, native S3 notification, VPC endpoint activity).</summary>
    Ignored,
    /// <summary>Unreadable input or a record without the fields a data event needs.</summary>
    Malformed,
    /// <summary>A data event whose eventTime is outside `scan --since/--until`: counted, not judged.</summary>
    OutsideWindow,
}

/// <summary>Verdict names as they appear in output: kebab-case.</summary>
public static class VerdictNames
{
    /// <summary>Every verdict, in report order.</summary>
    public static readonly Verdict[] All = Enum.GetValues<Verdict>();

    /// <summary>"alert", "not-sensitive", ...</summary>
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Alert => "alert",
        Verdict.Duplicate => "duplicate",
        Verdict.Allowlisted => "allowlisted",
        Verdict.NotSensitive => "not-sensitive",
        Verdict.NotMonitored => "not-monitored",
        Verdict.Ignored => "ignored",
        Verdict.Malformed => "malformed",
        Verdict.OutsideWindow => "outside-window",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };
}
