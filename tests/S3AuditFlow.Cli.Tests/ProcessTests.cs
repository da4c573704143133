using System.Diagnostics;

namespace S3AuditFlow.Cli.Tests;

/// <summary>The built executable, as a user runs it: stdout, stderr and exit code of a real process.</summary>
public class ProcessTests
{
    [Fact]
    public async Task The_built_s3audit_scans_the_samples_and_prints_stats_on_request()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "s3audit.dll"), "scan", "--config", Samples.Config, "--stats", "--fail-on-alert", Samples.Logs },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(ExitCodes.AlertRaised, process.ExitCode);
        Assert.StartsWith("3 alerts in 18 events", await output, StringComparison.Ordinal);
        Assert.Matches(@"stats: 18 events in [0-9.]+ s = [0-9]+ events/s; peak RSS [0-9.]+ MB", await error);
    }
}
