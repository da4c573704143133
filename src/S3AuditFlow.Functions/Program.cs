using S3AuditFlow.Functions;
using S3AuditFlow.Functions.Runtime;
using S3AuditFlow.Functions.Steps;

var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
if (runtimeApi is null)
{
    Console.Error.WriteLine("AWS_LAMBDA_RUNTIME_API is not set: this program runs as a Lambda function (see serverless.template).");
    return 2;
}

// No timeout: GET /next waits until an event arrives.
using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
var client = new RuntimeApiClient(http, runtimeApi);

IStep step;
try
{
    step = StepFactory.Create(StepSettings.FromEnvironment(Environment.GetEnvironmentVariable), TimeProvider.System);
}
catch (Exception e)
{
    var error = new RuntimeError(e.GetType().Name, e);
    Console.Error.WriteLine(error.ToLogLine(null));
    try
    {
        await client.InitErrorAsync(error, CancellationToken.None);
    }
    catch (Exception post)
    {
        Console.Error.WriteLine(new RuntimeError(post.GetType().Name, post).ToLogLine(null));
    }
    return 1;
}

using var stop = new CancellationTokenSource();
EventHandler onExit = (_, _) => stop.Cancel();
AppDomain.CurrentDomain.ProcessExit += onExit;
try
{
    await LambdaLoop.RunAsync(client, step.HandleAsync, TimeProvider.System, Console.Error, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    // Lambda is shutting the environment down.
}
catch (Exception e)
{
    // The Runtime API itself failed (the loop reports handler failures to it): log it as the loop logs those, and
    // exit, so Lambda starts a fresh environment.
    Console.Error.WriteLine(new RuntimeError(e.GetType().Name, e).ToLogLine(null));
    return 1;
}
finally
{
    // Exiting disposes the token source; a handler left registered would cancel it after that and crash the exit.
    AppDomain.CurrentDomain.ProcessExit -= onExit;
}
return 0;
