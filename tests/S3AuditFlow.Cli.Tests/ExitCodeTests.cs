namespace S3AuditFlow.Cli.Tests;

/// <summary>Usage and config errors exit with 2, name what is wrong, and evaluate nothing.</summary>
public class ExitCodeTests
{
    [Theory]
    [InlineData("""{"sources": ["10.0.0.0/33"]}""", "sources[0] \"10.0.0.0/33\"")]
    [InlineData("""{"rules": [{"type": "keyword", "value": "x", "level": "severe"}]}""", "rules[0]: unknown level \"severe\"")]
    [InlineData("""{"principals": ["arn:aws:iam:role/etl"]}""", "principals[0] \"arn:aws:iam:role/etl\": malformed ARN pattern")]
    [InlineData("""{"authorized_sources": ["54.153.44.90", "not-an-ip"]}""", "source not-an-ip")]
    [InlineData("""{"sources": [], "principles": []}""", "unknown property \"principles\"")]
    [InlineData("""{"sources": [""", "not valid JSON")]
    public void A_bad_config_exits_2_naming_the_entry_and_prints_no_report(string config, string expected)
    {
        using var dir = new TempDir();
        var path = dir.Write("config.json", config);

        var run = CliRun.Of("scan", "--config", path, Samples.Logs);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("scan", "--config")]
    [InlineData("scan", "samples-without-config")]
    [InlineData("scan", "--config", "c.json", "--format", "xml", "x")]
    [InlineData("scan", "--config", "c.json", "--no-such-option", "x")]
    [InlineData("frobnicate")]
    public void Usage_errors_exit_2(params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.NotEqual("", run.Error);
    }

    [Fact]
    public void A_path_that_does_not_exist_exits_2()
    {
        var run = CliRun.Of("scan", "--config", Samples.Config, "/no/such/folder");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("no such file or folder: /no/such/folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_exits_2()
    {
        var run = CliRun.Of("scan", "--config", "/no/such/config.json", Samples.Logs);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("cannot read config", run.Error, StringComparison.Ordinal);
    }
}
