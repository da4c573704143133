namespace S3AuditFlow.Cli.Tests;

/// <summary>The text report's layout, compared with a checked-in file (tests/fixtures/report/README.md says how to regenerate it).</summary>
public class TextReportGoldenTests
{
    [Fact]
    public void The_report_of_the_generated_corpus_matches_the_golden_file()
    {
        var run = ReportCorpus.Scan("--details", "3");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Error);
        GoldenFile.AssertMatches(Path.Combine("tests", "fixtures", "report", "text-report.txt"), run.Out);
    }

    [Fact]
    public void The_diff_marks_changed_lines_with_context_and_elides_the_rest()
    {
        string[] expected = ["a", "b", "c", "d", "e", "f", "g", "h"];
        string[] actual = ["a", "b", "C", "d", "e", "f", "g", "h", "i"];

        Assert.Equal("  a\n  b\n- c\n+ C\n  d\n  e\n…\n  g\n  h\n+ i", GoldenFile.Diff(expected, actual));
    }
}
