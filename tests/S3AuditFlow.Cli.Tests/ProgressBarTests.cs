using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Cli.Tests;

/// <summary>The progress bar appears only where a person waits at a terminal, and never in piped or small runs.</summary>
public class ProgressBarTests
{
    private static readonly ScanInput Large = new("big.json.gz", () => Stream.Null, 64L * 1024 * 1024);
    private static readonly ScanInput Small = new("small.json", () => Stream.Null, 1024);

    private static CliConsole Console(TextWriter error, bool terminal) => new(TextWriter.Null, error, () => Stream.Null, terminal);

    [Fact]
    public void Not_drawn_when_stderr_is_redirected_or_the_input_is_small_or_it_is_disabled()
    {
        Assert.Null(ProgressBar.StartIfUseful(Console(TextWriter.Null, terminal: false), [Large], disabled: false));
        Assert.Null(ProgressBar.StartIfUseful(Console(TextWriter.Null, terminal: true), [Small], disabled: false));
        Assert.Null(ProgressBar.StartIfUseful(Console(TextWriter.Null, terminal: true), [Large], disabled: true));
    }

    [Fact]
    public void Drawn_on_a_terminal_for_large_input_and_cleared_at_the_end()
    {
        var error = new StringWriter();
        using var bar = ProgressBar.StartIfUseful(Console(TextWriter.Synchronized(error), terminal: true), [Large], disabled: false);
        Assert.NotNull(bar);

        bar.Add(32L * 1024 * 1024);
        bar.Draw();
        bar.Finish();

        Assert.Contains("50 %", error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\r", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Remote_inputs_get_a_bar_whatever_their_size_with_objects_opened()
    {
        var error = new StringWriter();
        using var bar = ProgressBar.StartIfUseful(Console(TextWriter.Synchronized(error), terminal: true), [Small, Small], disabled: false, remote: true);
        Assert.NotNull(bar);

        bar.Opened();
        bar.Add(1024);
        bar.Draw();
        bar.Finish();

        Assert.Contains("50 % of 0 MB, 1/2 inputs", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Listing_shows_objects_and_bytes_found_on_a_terminal_only()
    {
        Assert.Null(ListingProgress.StartIfUseful(Console(TextWriter.Null, terminal: false), "s3://b/", disabled: false));
        Assert.Null(ListingProgress.StartIfUseful(Console(TextWriter.Null, terminal: true), "s3://b/", disabled: true));
        var error = new StringWriter();
        using var listing = ListingProgress.StartIfUseful(Console(TextWriter.Synchronized(error), terminal: true), "s3://b/AWSLogs/", disabled: false);
        Assert.NotNull(listing);

        listing.Listed(3L * 1024 * 1024);
        listing.Listed(2L * 1024 * 1024);
        listing.Draw();
        listing.Finish();

        Assert.Contains("listing s3://b/AWSLogs/: 2 objects, 5 MB", error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\r", error.ToString(), StringComparison.Ordinal);
    }
}
