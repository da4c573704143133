namespace S3AuditFlow.Functions.Runtime;

/// <summary>A step's entry point: the raw event in, the JSON result out.</summary>
public delegate Task<byte[]> InvocationHandler(byte[] payload, CancellationToken cancellationToken);

/// <summary>next → handle → response, forever; a handler exception is logged and becomes an /error with the exception's type as error type.</summary>
public static class LambdaLoop
{
    /// <summary>
    /// Time kept back from the deadline: a step that runs out of time is cancelled this early, so it can still undo a
    /// half-made dedup decision (up to 2 s) and report the error before Lambda stops the process; otherwise its claim
    /// would outlive it and a replay of the event would be judged a duplicate.
    /// </summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(2500);

    /// <summary>Serves invocations until <paramref name="stop"/> is cancelled; failures are logged to <paramref name="log"/>.</summary>
    public static async Task RunAsync(RuntimeApiClient client, InvocationHandler handler, TimeProvider time, TextWriter log, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
            await InvokeOnceAsync(client, handler, time, log, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// One iteration: waits for an invocation, runs the handler and posts its result or its error. A handler
    /// exception is written to <paramref name="log"/> as one JSON line (type, message, stack — never the event) and
    /// posted as an error with its stack and the X-Ray error cause.
    /// </summary>
    public static async Task InvokeOnceAsync(RuntimeApiClient client, InvocationHandler handler, TimeProvider time, TextWriter log, CancellationToken stop)
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
            var error = new RuntimeError(type, e);
            await log.WriteLineAsync(error.ToLogLine(invocation.RequestId)).ConfigureAwait(false);
            await client.ErrorAsync(invocation.RequestId, error, stop).ConfigureAwait(false);
            return;
        }
        await client.RespondAsync(invocation.RequestId, result, stop).ConfigureAwait(false);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
