using System.Diagnostics;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Runs a built function (a published dll or the Native AOT binary) as Lambda would, for one invocation.</summary>
internal static class ArtifactInvocation
{
    /// <summary>
    /// Starts <paramref name="fileName"/> as the function for <paramref name="step"/> against a <see cref="FakeRuntimeApi"/>,
    /// serves it one invocation and returns its reply and output; the process is killed afterwards (Lambda would freeze it).
    /// </summary>
    public static async Task<(RuntimeReply Reply, string Output)> InvokeOnceAsync(string fileName, IEnumerable<string> arguments, string step, string payload, TimeSpan timeout)
    {
        using var api = new FakeRuntimeApi();
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
        start.Environment["S3AUDIT_STEP"] = step;
        start.Environment["AWS_REGION"] = "eu-west-1";
        using var captured = CapturedProcess.Start(start);
        var process = captured.Process;
        try
        {
            var reply = api.Invoke(payload);
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(reply, exited, Task.Delay(timeout));
            if (first != reply)
            {
                var why = first == exited ? $"exited with {process.ExitCode}" : $"sent nothing in {timeout.TotalSeconds} s";
                throw new Xunit.Sdk.XunitException($"{start.FileName} {why}; its output:\n{captured.Output}");
            }
            // The step logs its decision before the loop responds, but the line may still be in the pipe.
            for (var wait = 0; wait < 50 && !captured.Output.Contains('\n', StringComparison.Ordinal); wait++)
                await Task.Delay(100);
            return (await reply, captured.Output);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }
}
