using System.Text;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Tests.Support;
using static S3AuditFlow.Core.Tests.Support.GzipInput;

namespace S3AuditFlow.Core.Tests.Input;

/// <summary>How scan inputs are expanded and opened: folders, links, stdin, gzip by content, truncated or corrupt gzip.</summary>
public class ScanInputOpeningTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PlainInputIsPassedThrough(bool seekable)
    {
        var items = Read(Encoding.UTF8.GetBytes(Lines(1, 3)), seekable);

        Assert.Equal(3, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GzipIsRecognisedByContent(bool seekable)
    {
        var (gzip, _) = Gzip(Lines(1, 500));

        var items = Read(gzip, seekable);

        Assert.Equal(500, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Fact]
    public void GzippedLogFileOnDiskIsReadWhateverItsName()
    {
        using var dir = new TempDir();
        var (gzip, _) = Gzip($"{{\"Records\":[{File.ReadAllText(Fixtures.CloudTrail("record-GetObject-iamuser.json"))}]}}");
        var path = dir.WriteBytes("111122223333_CloudTrail_eu-west-1_20241105T1405Z_x.json", gzip);

        using var stream = ScanInput.FromFile(path).Open();

        Assert.Contains("6f1c2a7e-3b58-4d0e-9a41-5c7d2e8b9f01", Assert.Single(ReadItem.ReadAll(stream)).Json, StringComparison.Ordinal);
    }

    [Fact]
    public void RawByteCountIsReportedForProgress()
    {
        var (gzip, _) = Gzip(Lines(1, 200));
        long reported = 0;
        var input = new ScanInput("test", () => new MemoryStream(gzip), gzip.Length);

        using (var stream = input.Open(n => reported += n))
            _ = ReadItem.ReadAll(stream);

        Assert.Equal(gzip.Length, reported);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    public void TinyInputsOpen(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = new ScanInput("tiny", () => new MemoryStream(bytes), bytes.Length).Open();

        Assert.Equal(bytes, ReadAllBytes(stream));
    }

    [Fact]
    public void GzipTruncatedInsideARecordKeepsTheRecordsBeforeAndReportsTheCut()
    {
        var full = Lines(1, 300);
        var cut = full.IndexOf("\"e201\"", StringComparison.Ordinal);
        var (gzip, ends) = Gzip(full[..cut], full[cut..]);

        var items = Read(gzip[..ends[0]]);

        Assert.Equal(201, items.Count);
        Assert.All(items.Take(200), i => Assert.Null(i.Error));
        Assert.Equal(201, items[^1].Line);
        Assert.NotNull(items[^1].Error);
    }

    [Fact]
    public void CorruptGzipIsReportedAsUnreadable()
    {
        var (gzip, _) = Gzip(Lines(1, 300));
        for (var i = 100; i < 140; i++)
            gzip[i] ^= 0x55;

        var items = Read(gzip);

        Assert.Contains(items, i => i.Error?.StartsWith("unreadable input (corrupt or truncated compression?)", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void GzipWithABadChecksumIsReported()
    {
        var (gzip, _) = Gzip(Lines(1, 300));
        gzip[^8] ^= 0x55;

        Assert.Contains(Read(gzip), i => i.Error is not null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GzipTruncatedBetweenRecordsIsReported(bool insideFirstBlock)
    {
        var (gzip, ends) = Gzip(Lines(1, 200), Lines(201, 100));
        var truncated = gzip[..(insideFirstBlock ? 15 : ends[0])];

        var items = Read(truncated);

        Assert.All(items.Where(i => i.Error is null), i => Assert.NotNull(i.Json));
        Assert.Contains(items, i => i.Error is not null);
    }

    [Fact]
    public void ExpandTakesFilesAsGivenFoldersRecursivelyAndDashAsStdin()
    {
        using var dir = new TempDir();
        // Not empty: a folder's empty files are skipped (see FolderSkipsWhatCannotBeScannedAndSaysSo).
        var b = dir.Write("logs/b.jsonl", "{}");
        var a = dir.Write("logs/a.json", "{}");
        var gz = dir.Write("logs/sub/c.json.gz", "{}");
        var jsonlGz = dir.Write("logs/sub/d.JSONL.GZ", "{}");
        dir.Write("logs/notes.txt", "{}");
        var explicitTxt = dir.Write("extra.txt", "");
        using var stdin = new MemoryStream();

        var inputs = ScanInput.Expand([Path.Combine(dir.Path, "logs"), explicitTxt, "-"], () => stdin);

        Assert.Equal([a, b, gz, jsonlGz, explicitTxt, "-"], inputs.Select(i => i.Name));
        Assert.Same(stdin, inputs[^1].OpenRaw());
        Assert.Equal(0, inputs[^1].Length);
    }

    [Fact]
    public void ExpandRejectsAMissingPath()
    {
        var missing = Path.Combine(AppContext.BaseDirectory, "no-such-folder");

        Assert.Throws<FileNotFoundException>(() => ScanInput.Expand([missing], () => Stream.Null));
    }

    [Fact]
    public void FolderSkipsWhatCannotBeScannedAndSaysSo()
    {
        using var dir = new TempDir();
        var good = dir.Write("logs/good.json", "{}");
        dir.Write("logs/empty.json", "");
        // Fuzzer reproducers: a FIFO named *.json blocked the scan forever; a name that is not UTF-8 aborted it (exit 2).
        Shell(dir.Path, "mkfifo logs/fifo.json && touch \"logs/bad-$(printf '\\377').json\" && mkdir \"logs/sub-$(printf '\\376')\"");
        var warnings = new List<string>();

        List<ScanInput> inputs;
        try
        {
            inputs = ScanInput.Expand([Path.Combine(dir.Path, "logs")], () => Stream.Null, warnings.Add);
        }
        finally
        {
            // .NET cannot delete what it cannot name.
            Shell(dir.Path, "rm -rf logs");
        }

        Assert.Equal([good], inputs.Select(i => i.Name));
        Assert.Equal(4, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("fifo.json: empty, or not a regular file", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("empty.json: empty, or not a regular file", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains(".json: its name is not valid UTF-8", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("skipped folder", StringComparison.Ordinal) && w.Contains("not valid UTF-8", StringComparison.Ordinal));
    }

    [Fact]
    public void LinksToFoldersAreNotFollowedAndLinksToFilesAre()
    {
        using var dir = new TempDir();
        var top = dir.Write("logs/top.json", "{}");
        var nested = dir.Write("logs/sub/nested.json", "{}");
        var outside = dir.Write("elsewhere/outside.json", "{}");
        var logs = Path.Combine(dir.Path, "logs");
        // Fuzzer reproducer: two links to the parent made the walk take 18 minutes and 20 GB before it was killed.
        Directory.CreateSymbolicLink(Path.Combine(logs, "sub", "up-1"), "..");
        Directory.CreateSymbolicLink(Path.Combine(logs, "sub", "up-2"), "..");
        Directory.CreateSymbolicLink(Path.Combine(logs, "elsewhere"), Path.Combine(dir.Path, "elsewhere"));
        var linkedFile = Path.Combine(logs, "linked.json");
        File.CreateSymbolicLink(linkedFile, outside);
        var warnings = new List<string>();

        var inputs = ScanInput.Expand([logs], () => Stream.Null, warnings.Add);

        Assert.Equal([linkedFile, nested, top], inputs.Select(i => i.Name));
        Assert.Equal(3, warnings.Count(w => w.Contains("a link to a folder", StringComparison.Ordinal)));
        // A linked folder named on the command line is read.
        Assert.Equal([Path.Combine(logs, "elsewhere", "outside.json")], ScanInput.Expand([Path.Combine(logs, "elsewhere")], () => Stream.Null).Select(i => i.Name));
    }

    [Fact]
    public void StdinGivenTwiceIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ScanInput.Expand(["-", "-"], () => Stream.Null));

        Assert.Contains("more than once", e.Message, StringComparison.Ordinal);
    }

    private static void Shell(string workingDirectory, string script)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, ArgumentList = { "-c", script } };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static byte[] ReadAllBytes(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
