namespace S3AuditFlow.Functions.Runtime;

/// <summary>A step's entry point: the raw event in, the JSON result out.</summary>
public delegate Task<byte[]> InvocationHandler(byte[] payload, CancellationToken cancellationToken);

/// <summary>next → handle → response, forever; a handler exception becomes an /error with the exception's type as error type.</summary>
public static class LambdaLoop
{
    /// <summary>
    /// Time kept back from the deadline: a step that runs out of time is cancelled this early, so it can still undo a
    /// half-made dedup decision (up to 2 s) and report the error before Lambda stops the process; otherwise its claim
    /// would outlive it and a replay of the event would be judged a duplicate.
    /// </summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(2500);

    /// <summary>Serves invocations until <paramref name="stop"/> is cancelled.</summary>
    public static async Task RunAsync(RuntimeApiClient client, InvocationHandler handler, TimeProvider time, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var invocation = await client.NextAsync(stop).ConfigureAwait(false);
            // The X-Ray SDK and AWS SDK read the trace ID from here, as the managed runtime would set it.
            Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (invocation.Deadline is { } at)
                deadline.CancelAfter(Max(TimeSpan.Zero, at - time.GetUtcNow() - DeadlineMargin));
            byte[] result;
            try
            {
                result = await handler(invocation.Payload, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var type = e switch
                {
                    Steps.StepFailedException failed => failed.ErrorType,
                    OperationCanceledException when deadline.IsCancellationRequested => "DeadlineExceeded",
                    _ => e.GetType().Name,
                };
                await client.ErrorAsync(invocation.RequestId, type, e.Message, stop).ConfigureAwait(false);
                continue;
            }
            await client.RespondAsync(invocation.RequestId, result, stop).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
