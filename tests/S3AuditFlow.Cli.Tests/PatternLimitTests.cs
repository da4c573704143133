namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// Fuzzer reproducers (issue 8, item 6): patterns too long to be real must be refused at config load with exit 2
/// naming the entry, not crash the CLI while it compiles them.
/// </summary>
public class PatternLimitTests
{
    [Fact]
    public void An_arn_pattern_of_5000_question_marks_exits_2_naming_the_entry()
    {
        var pattern = "arn:aws:iam::123456789012:role/" + new string('?', 5000);

        var run = Scan($$"""{"principals": ["etl", "{{pattern}}"]}""");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("principals[1] \"arn:aws:iam::123456789012:role/", run.Error, StringComparison.Ordinal);
        Assert.Contains("pattern longer than 1,024 characters", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void A_glob_of_2000_question_marks_exits_2_naming_the_rule()
    {
        var glob = new string('?', 2000);

        var run = Scan($$"""{"rules": [{"type": "keyword", "value": "secret"}, {"type": "glob", "value": "{{glob}}"}]}""");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("rules[1] \"????", run.Error, StringComparison.Ordinal);
        Assert.Contains("pattern longer than 1,024 characters", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    private static CliRun Scan(string config)
    {
        using var dir = new TempDir();
        var path = dir.Write("config.json", config);
        return CliRun.Of("scan", "--config", path, Samples.Logs);
    }
}
