namespace S3AuditFlow.Functions.Steps;

/// <summary>One state of the state machine, served by one Lambda function.</summary>
public interface IStep
{
    /// <summary>The step's name as S3AUDIT_STEP gives it (ParseEvent, CheckAllowlist, ...).</summary>
    string Name { get; }

    /// <summary>Handles one invocation: JSON in, JSON out.</summary>
    Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken);
}
