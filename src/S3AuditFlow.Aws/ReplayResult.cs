namespace S3AuditFlow.Aws;

/// <summary>What a replay moved, by the `kind` attribute the state machine sets on each kept message.</summary>
/// <param name="Events">Kept events (`kind` = event): judged again by the state machine.</param>
/// <param name="Notifications">Kept notifications (`kind` = notifications): published again without judging.</param>
/// <param name="Other">Messages without a known `kind`: moved all the same, since the replay queue holds only what the workflow kept.</param>
/// <param name="Failures">Messages that are still in the source queue, each with why.</param>
public sealed record ReplayResult(int Events, int Notifications, int Other, IReadOnlyList<ReplayFailure> Failures)
{
    /// <summary>Messages sent to the destination and deleted from the source.</summary>
    public int Moved => Events + Notifications + Other;

    /// <summary>Messages kept after the run began (failing again while the cause lasts): left for the next replay.</summary>
    public int Later { get; init; }
}

/// <summary>A message left in the source queue.</summary>
/// <param name="Kind">Its `kind` attribute, or null when it has none.</param>
/// <param name="Redriven">
/// True when it reached the destination but could not be deleted from the source: a later replay sends it again.
/// </param>
public sealed record ReplayFailure(string MessageId, string? Kind, string Reason, bool Redriven);

/// <summary>The values of the `kind` message attribute.</summary>
public static class ReplayKinds
{
    /// <summary>The original EventBridge event, kept because a step failed.</summary>
    public const string Event = "event";

    /// <summary>An alert or harvest notification whose SNS publish failed.</summary>
    public const string Notifications = "notifications";

    /// <summary>The message attribute that names the kind.</summary>
    public const string Attribute = "kind";
}

/// <summary>
/// A queue could not be read or written after the SDK's retries (missing queue, credentials, network). Messages
/// not yet moved stay in the source queue.
/// </summary>
/// <param name="MovedBefore">What was moved before the failure.</param>
public sealed class QueueUnavailableException(string message, ReplayResult movedBefore, Exception inner) : Exception(message, inner)
{
    /// <summary>What was moved before the failure.</summary>
    public ReplayResult MovedBefore { get; } = movedBefore;
}
