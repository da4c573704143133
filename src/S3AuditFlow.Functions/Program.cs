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
    await client.InitErrorAsync(e.GetType().Name, e.Message, CancellationToken.None);
    return 1;
}

using var stop = new CancellationTokenSource();
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    await LambdaLoop.RunAsync(client, step.HandleAsync, TimeProvider.System, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    // Lambda is shutting the environment down.
}
return 0;
