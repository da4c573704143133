using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Functions.Steps;

/// <summary>
/// A step could not judge an event. The message names the event (ID, operation, object, principal) so the
/// "could not evaluate" notification identifies it; <see cref="ErrorType"/> is what Step Functions sees.
/// </summary>
public sealed class StepFailedException(string errorType, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The Lambda error type (the inner exception's type name).</summary>
    public string ErrorType { get; } = errorType;

    /// <summary>Wraps a failure with the event's identifying fields.</summary>
    public static StepFailedException For(S3Access access, Exception inner) =>
        new(inner.GetType().Name, $"event {access.EventId} ({access.EventName} s3://{access.ReadObject} by {access.Principal.Label} from {access.Source.Label}): {inner.Message}", inner);
}
