using System.Diagnostics;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>Output of a finished child process (stdout and stderr interleaved as they arrived).</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"$ {Command}\nexit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n{Output}";
}

/// <summary>Runs the build commands (make, dotnet publish) the artifact tests check.</summary>
internal static class ArtifactCommand
{
    /// <summary>The dotnet running the tests (DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory ?? RepoPaths.Root };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // No MSBuild nodes or compiler servers outliving the build: they would keep the output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var command = fileName + " " + string.Join(' ', start.ArgumentList);
        var clock = Stopwatch.StartNew();
        using var captured = CapturedProcess.Start(start);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await captured.Process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            captured.Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish in {timeout.TotalSeconds} s:\n{captured.Output}");
        }
        return new CommandResult(command, captured.Process.ExitCode, captured.Output, clock.Elapsed);
    }

    /// <summary>Runs a command and asserts it exits 0, showing its output otherwise.</summary>
    public static async Task<CommandResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var result = await RunAsync(fileName, arguments, timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class BuildScratch : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("s3audit-artifact-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that was just killed may still hold a file; the OS cleans /tmp.
        }
    }
}
