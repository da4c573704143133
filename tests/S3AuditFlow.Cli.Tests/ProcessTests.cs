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
        // 3 alerts and 3 duplicates among the 12 monitored reads.
        Assert.Matches(@"stats: 18 events in [0-9.]+ s = [0-9]+ events/s; peak RSS [0-9.]+ MB; candidates 6 \(50\.0 % of monitored reads\); spilled 0 candidates", await error);
    }

    [Fact]
    public async Task A_scan_whose_temporary_files_cannot_be_written_says_so_and_exits_4_never_0()
    {
        var harvest = Path.Combine(Samples.Dir, "harvest");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "s3audit.dll"), "scan", "--config", Path.Combine(harvest, "config.json"), "--memory", "1",
                "--format", "jsonl", Path.Combine(harvest, "logs") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["TMPDIR"] = "/nonexistent/s3audit-tmp" },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(ExitCodes.ScanIncomplete, process.ExitCode);
        Assert.Contains("cannot keep alert candidates in temporary files in /nonexistent/s3audit-tmp/", await error, StringComparison.Ordinal);
        Assert.Contains("the scan did not finish", await error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot read", await error, StringComparison.Ordinal);
        _ = await output;
    }
}
