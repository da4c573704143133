namespace S3AuditFlow.Cli.Tests;

/// <summary>`s3audit replay` usage errors: exit 2 naming what is missing or wrong, before any queue is touched.</summary>
public sealed class ReplayUsageTests
{
    private const string Queue = "https://sqs.us-east-1.amazonaws.com/123456789012/s3auditflow-replay";
    private const string Other = "https://sqs.us-east-1.amazonaws.com/123456789012/s3auditflow-redrive";

    [Theory]
    [InlineData("missing --replay-queue URL (or $S3AUDIT_REPLAY_QUEUE_URL) and --redrive-queue URL (or $S3AUDIT_REDRIVE_QUEUE_URL)")]
    [InlineData("missing --redrive-queue URL (or $S3AUDIT_REDRIVE_QUEUE_URL)", "--replay-queue", Queue)]
    [InlineData("missing --replay-queue URL (or $S3AUDIT_REPLAY_QUEUE_URL)", "--redrive-queue", Other)]
    [InlineData("--replay-queue \"s3auditflow-replay\" is not a queue URL", "--replay-queue", "s3auditflow-replay", "--redrive-queue", Other)]
    [InlineData("--replay-queue and --redrive-queue are the same queue", "--replay-queue", Queue, "--redrive-queue", Queue)]
    public void Exits_2_naming_the_problem(string expected, params string[] args)
    {
        var run = CliRun.Of(["replay", .. args]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("s3audit: " + expected, run.Error.Split('\n')[0].Split(" (e.g.")[0]);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void The_environment_supplies_what_the_options_do_not()
    {
        Environment.SetEnvironmentVariable("S3AUDIT_REPLAY_QUEUE_URL", Queue);
        try
        {
            var run = CliRun.Of("replay", "--redrive-queue", Queue);

            // Found in the environment, then refused for naming the same queue: it was read, and nothing was moved.
            Assert.Equal(ExitCodes.UsageError, run.ExitCode);
            Assert.Contains("are the same queue", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("S3AUDIT_REPLAY_QUEUE_URL", null);
        }
    }
}
