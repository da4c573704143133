using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>A raised alert: the first occurrence of an untrusted sensitive read, with the repeats it absorbed.</summary>
public sealed class Alert(AlertCandidate candidate)
{
    private int _duplicates;

    /// <summary>The read that raised it.</summary>
    public AlertCandidate Candidate { get; } = candidate;

    /// <summary>Severity after the failed-request adjustment.</summary>
    public SensitivityLevel Severity => Candidate.Severity;

    /// <summary>How many later reads repeated this access (or its burst) within the window; a redelivered eventID is the same event, not counted.</summary>
    public int Duplicates => _duplicates;

    /// <summary>Counts one repeat.</summary>
    public void CountDuplicate() => Interlocked.Increment(ref _duplicates);
}
