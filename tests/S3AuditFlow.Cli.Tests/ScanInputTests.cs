using System.IO.Compression;
using System.Text.Json;

namespace S3AuditFlow.Cli.Tests;

/// <summary>What `scan` reads: stdin, gzip by content, folders by extension, and broken input that must not stop the scan.</summary>
public class ScanInputTests
{
    private static string Lines(params string[] records) => string.Join('\n', records) + "\n";

    [Fact]
    public void Reads_json_lines_from_stdin()
    {
        var input = Lines(
            Records.GetObject("e1", "2026-01-01T00:00:00Z", "cardholder.csv"),
            Records.GetObject("e2", "2026-01-01T00:01:00Z", "goat.png"));

        var run = CliRun.WithStdin(CliRun.Utf8(input), "scan", "--config", Samples.Config, "--verdicts", "-");

        Assert.Equal(["alert", "not-sensitive"], run.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("verdict").GetString()));
        Assert.All(run.OutLines, l => Assert.Equal("-", JsonDocument.Parse(l).RootElement.GetProperty("file").GetString()));
    }

    [Fact]
    public void Reads_gzip_from_stdin_by_its_magic_bytes()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(CliRun.Utf8(Lines(Records.GetObject("e1", "2026-01-01T00:00:00Z", "secret.txt"))));

        var run = CliRun.WithStdin(compressed.ToArray(), "scan", "--config", Samples.Config, "--format", "jsonl", "-");

        Assert.Equal("secret.txt", JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement.GetProperty("key").GetString());
    }

    [Fact]
    public void A_malformed_line_is_reported_with_file_and_line_and_the_rest_is_scanned()
    {
        using var dir = new TempDir();
        var file = dir.Write("events.jsonl", Lines(
            Records.GetObject("e1", "2026-01-01T00:00:00Z", "cardholder-1.csv"),
            """{"eventID": "broken", "eventTime": """,
            Records.GetObject("e3", "2026-01-01T00:02:00Z", "cardholder-3.csv")));

        var run = CliRun.Of("scan", "--config", Samples.Config, "--verdicts", file);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains($"{file}:2: invalid JSON", run.Error, StringComparison.Ordinal);
        var verdicts = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["alert", "malformed", "alert"], verdicts.Select(v => v.GetProperty("verdict").GetString()));
        Assert.Equal(2, verdicts[1].GetProperty("line").GetInt64());
        Assert.Equal("e3", verdicts[2].GetProperty("eventId").GetString());
    }

    [Fact]
    public void A_lone_surrogate_in_a_property_name_is_read_not_a_crash()
    {
        // Fuzzer reproducer: the reader's look for "Records" decoded this name and the scan died with exit 134.
        var record = Records.GetObject("e1", "2026-01-01T00:00:00Z", "cardholder.csv");
        var input = Lines("{\"Rec\\ud800\": 1, " + record[1..], "{\"x\": \"\\udc00\", " + Records.GetObject("e2", "2026-01-01T00:01:00Z", "secret.txt")[1..]);

        var run = CliRun.WithStdin(CliRun.Utf8(input), "scan", "--config", Samples.Config, "--verdicts", "-");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(["alert", "alert"], run.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("verdict").GetString()));
    }

    [Fact]
    public void Stdin_given_twice_is_a_usage_error()
    {
        var run = CliRun.WithStdin(CliRun.Utf8(Lines(Records.GetObject("e1", "2026-01-01T00:00:00Z", "cardholder.csv"))),
            "scan", "--config", Samples.Config, "-", "-");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("- (standard input) is given more than once", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public void A_file_whose_name_is_not_utf8_is_reported_and_the_folder_is_still_scanned()
    {
        using var dir = new TempDir();
        dir.Write("good.json", Records.GetObject("good", "2026-01-01T00:00:00Z", "cardholder.csv"));
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = dir.Path, ArgumentList = { "-c", "echo '{}' > \"bad-$(printf '\\377').json\"" } };
        System.Diagnostics.Process.Start(start)!.WaitForExit();

        var run = CliRun.Of("scan", "--config", Samples.Config, "--format", "jsonl", dir.Path);
        System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = dir.Path, ArgumentList = { "-c", "rm -f bad-*" } })!.WaitForExit();

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("its name is not valid UTF-8", run.Error, StringComparison.Ordinal);
        Assert.Equal("good", JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement.GetProperty("eventId").GetString());
    }

    [Fact]
    public void A_truncated_gzip_file_is_reported_and_other_files_are_still_scanned()
    {
        using var dir = new TempDir();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var i = 0; i < 200; i++)
                gzip.Write(CliRun.Utf8(Records.GetObject($"t{i}", "2026-01-01T00:00:00Z", $"other-{i}.txt") + "\n"));
        }
        var bytes = compressed.ToArray();
        File.WriteAllBytes(Path.Combine(dir.Path, "a-truncated.json.gz"), bytes[..(bytes.Length / 2)]);
        dir.Write("b-good.json", Records.GetObject("good", "2026-01-01T00:00:00Z", "cardholder.csv"));

        var run = CliRun.Of("scan", "--config", Samples.Config, "--format", "jsonl", dir.Path);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("a-truncated.json.gz:", run.Error, StringComparison.Ordinal);
        Assert.Equal("good", JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement.GetProperty("eventId").GetString());
    }

    [Fact]
    public void Folders_are_read_recursively_by_extension_only()
    {
        using var dir = new TempDir();
        dir.Write("a/b/one.json", Records.GetObject("one", "2026-01-01T00:00:00Z", "cardholder-1.csv"));
        dir.Write("a/two.jsonl", Records.GetObject("two", "2026-01-01T00:00:00Z", "cardholder-2.csv"));
        dir.Write("a/notes.txt", Records.GetObject("txt", "2026-01-01T00:00:00Z", "cardholder-3.csv"));

        var run = CliRun.Of("scan", "--config", Samples.Config, "--verdicts", dir.Path);

        Assert.Equal(["one", "two"], run.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("eventId").GetString()));
    }

    [Fact]
    public void A_failed_request_on_a_sensitive_object_alerts_one_level_lower_with_its_outcome()
    {
        var input = Lines(Records.GetObject("denied", "2026-01-01T00:00:00Z", "cardholder.csv", errorCode: "AccessDenied"));

        var run = CliRun.WithStdin(CliRun.Utf8(input), "scan", "--config", Samples.Config, "--format", "jsonl", "-");

        var alert = JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement;
        Assert.Equal("medium", alert.GetProperty("severity").GetString());
        Assert.Equal("failed: AccessDenied", alert.GetProperty("outcome").GetString());
    }

    [Fact]
    public void A_bucket_harvest_raises_at_most_the_burst_limit_of_alerts_and_counts_the_rest()
    {
        var input = Lines(Enumerable.Range(0, 15)
            .Select(i => Records.GetObject($"h{i:D2}", $"2026-01-01T00:00:{i:D2}Z", $"cardholder-{i:D2}.csv")).ToArray());

        var run = CliRun.WithStdin(CliRun.Utf8(input), "scan", "--config", Samples.Config, "--format", "jsonl", "-");

        var alerts = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(10, alerts.Count);
        Assert.Equal("h00", alerts[0].GetProperty("eventId").GetString());
        Assert.Equal(5, alerts[0].GetProperty("duplicates").GetInt32());
    }
}
