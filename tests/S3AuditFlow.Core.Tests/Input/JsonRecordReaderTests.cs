using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Input;

public class JsonRecordReaderTests
{
    private static string Rec(int n) => $$"""{"eventID":"e{{n}}","eventName":"GetObject"}""";

    private static string? EventId(ReadItem item) =>
        item.Json is null ? null : Fixtures.Parse(item.Json).GetProperty("eventID").GetString();

    [Fact]
    public void LogFileYieldsEachRecordWithItsLine()
    {
        var items = ReadItem.ReadAll($"{{\"Records\": [\n{Rec(1)},\n{Rec(2)},\n  {Rec(3)}\n]}}\n");

        Assert.Equal(["e1", "e2", "e3"], items.Select(EventId));
        Assert.Equal([2L, 3L, 4L], items.Select(i => i.Line));
        Assert.Equal([1L, 2L, 3L], items.Select(i => i.Ordinal));
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Fact]
    public void LogFileIsStreamedNotLoadedWhole()
    {
        var records = string.Join(",", Enumerable.Range(1, 2000).Select(i => $$"""{"eventID":"e{{i}}","pad":"{{new string('x', 200)}}"}"""));
        var bytes = Encoding.UTF8.GetBytes($"{{\"Records\":[{records}]}}");
        using var reader = new JsonRecordReader(new MemoryStream(bytes));

        using var enumerator = reader.Read().GetEnumerator();
        Assert.True(enumerator.MoveNext());

        Assert.Equal("e1", enumerator.Current.Element.GetProperty("eventID").GetString());
        Assert.True(reader.BytesRead < bytes.Length / 2, $"read {reader.BytesRead} of {bytes.Length} bytes before the first record");
    }

    [Fact]
    public void ALargeDocumentWhoseRecordsKeyIsLastIsTokenizedInOnePass()
    {
        // Before: each refill (a pipe gives 4 KB) re-tokenized the value from its start, O(n²) for a 4 MB document.
        var records = string.Join(",", Enumerable.Range(1, 16_000).Select(i => $$"""{"eventID":"e{{i}}","pad":"{{new string('x', 220)}}"}"""));
        var bytes = Encoding.UTF8.GetBytes($"{{\"digestS3Bucket\": \"b\", \"Records\": [{records}]}}");
        using var reader = new JsonRecordReader(new ChunkedStream(bytes, 4096));

        var count = reader.Read().Count(r => !r.IsError);

        Assert.Equal(16_000, count);
        Assert.True(reader.BytesTokenized <= 2L * bytes.Length, $"tokenized {reader.BytesTokenized} bytes of a {bytes.Length}-byte document");
    }

    [Fact]
    public void PooledBuffersAreClearedBeforeTheyAreReturned()
    {
        // The buffers held identities: the next renter of the shared pool (on this thread, the same array) must not see them.
        var marker = "arn:aws:iam::111122223333:user/pooled-secret"u8.ToArray();
        var record = $$"""{"eventID":"e1","arn":"{{Encoding.UTF8.GetString(marker)}}","pad":"{{new string('x', 100_000)}}"}""";
        using (var reader = new JsonRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(record + "\n"))))
            Assert.Single(reader.Read());

        foreach (var size in new[] { 64 * 1024, 128 * 1024, 256 * 1024 })
        {
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            try
            {
                Assert.True(rented.AsSpan().IndexOf(marker) < 0, $"a {rented.Length}-byte pooled buffer still holds a record");
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [Fact]
    public void LogFileWithRecordsNotFirstIsStillRead()
    {
        var items = ReadItem.ReadAll($"{{\"digestS3Bucket\": \"b\", \"Records\": [{Rec(1)}, {Rec(2)}]}}");

        Assert.Equal(["e1", "e2"], items.Select(EventId));
    }

    [Fact]
    public void PropertiesAfterTheRecordsArrayAreSkipped()
    {
        var items = ReadItem.ReadAll($"{{\"Records\": [{Rec(1)}], \"digest\": {{\"x\": [1, 2]}}, \"n\": 3}}\n{Rec(2)}\n");

        Assert.Equal(["e1", "e2"], items.Select(EventId));
    }

    [Fact]
    public void EmptyLogFileYieldsNothing()
    {
        Assert.Empty(ReadItem.ReadAll("""{"Records": []}"""));
    }

    [Fact]
    public void ConcatenatedLogFilesAreEachStreamed()
    {
        var items = ReadItem.ReadAll($"{{\"Records\":[{Rec(1)},{Rec(2)}]}}\n{{\"Records\":[{Rec(3)}]}}\n");

        Assert.Equal(["e1", "e2", "e3"], items.Select(EventId));
        Assert.Equal([1L, 1L, 2L], items.Select(i => i.Line));
    }

    [Fact]
    public void BadRecordInAOneLineLogFileIsReportedAndTheRestOfThatLineIsSkipped()
    {
        // CloudTrail writes a log file as one line, so resyncing at the next line gives up the file's later records.
        var items = ReadItem.ReadAll($"{{\"Records\":[{Rec(1)},{{\"eventID\": x}},{Rec(3)}]}}\n{Rec(4)}\n");

        Assert.Equal(["e1", null, "e4"], items.Select(EventId));
        Assert.Equal(1, items[1].Line);
    }

    [Fact]
    public void TopLevelArrayYieldsItsElements()
    {
        var items = ReadItem.ReadAll($"[\n  {Rec(1)},\n  {Rec(2)}\n]\n");

        Assert.Equal(["e1", "e2"], items.Select(EventId));
        Assert.Equal([2L, 3L], items.Select(i => i.Line));
    }

    [Fact]
    public void JsonLinesYieldEachLine()
    {
        var items = ReadItem.ReadAll($"{Rec(1)}\n{Rec(2)}\r\n\n{Rec(3)}");

        Assert.Equal(["e1", "e2", "e3"], items.Select(EventId));
        Assert.Equal([1L, 2L, 4L], items.Select(i => i.Line));
    }

    [Fact]
    public void PrettyPrintedSingleObjectIsOneRecord()
    {
        using var file = File.OpenRead(Fixtures.CloudTrail("record-GetObject-assumed-role.json"));

        var item = Assert.Single(ReadItem.ReadAll(file));

        Assert.Equal("a3d9e1f0-52b7-4c8e-8f16-7b0c9d2e4a35", EventId(item));
        Assert.Equal(1, item.Line);
    }

    [Fact]
    public void ConcatenatedObjectsAreSeparated()
    {
        var items = ReadItem.ReadAll($"{Rec(1)}{Rec(2)} {Rec(3)}\n{Rec(4)}");

        Assert.Equal(["e1", "e2", "e3", "e4"], items.Select(EventId));
    }

    [Fact]
    public void ByteOrderMarkIsSkipped()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes($"{Rec(1)}\n{Rec(2)}\n")).ToArray();

        var items = ReadItem.ReadAll(new MemoryStream(bytes));

        Assert.Equal(["e1", "e2"], items.Select(EventId));
    }

    [Fact]
    public void BadJsonLineIsReportedWithItsLineAndTheRestIsRead()
    {
        var items = ReadItem.ReadAll($"{Rec(1)}\n{{\"eventID\": \"e2\", \"eventName\": GetObject}}\n{Rec(3)}\n{Rec(4)}\n");

        Assert.Equal(4, items.Count);
        Assert.Equal("e1", EventId(items[0]));
        Assert.Null(items[1].Json);
        Assert.Equal(2, items[1].Line);
        Assert.StartsWith("invalid JSON at line 2:", items[1].Error, StringComparison.Ordinal);
        Assert.Equal(["e3", "e4"], items.Skip(2).Select(EventId));
        Assert.Equal([3L, 4L], items.Skip(2).Select(i => i.Line));
        Assert.Equal([1L, 2L, 3L, 4L], items.Select(i => i.Ordinal));
    }

    [Fact]
    public void UnterminatedLineIsReportedAndTheNextLineIsRead()
    {
        var items = ReadItem.ReadAll($"{Rec(1)}\n{{\"eventID\": \"e2\", \"eventName\": \"Get\n{Rec(3)}\n");

        Assert.Equal(["e1", null, "e3"], items.Select(EventId));
        Assert.Equal(2, items[1].Line);
    }

    [Fact]
    public void TruncatedLogFileKeepsTheCompleteRecordsAndReportsTheRest()
    {
        var items = ReadItem.ReadAll($"{{\"Records\": [\n{Rec(1)},\n{Rec(2)},\n{{\"eventID\": \"e3\", \"event");

        Assert.Equal(["e1", "e2", null], items.Select(EventId));
        Assert.Equal(4, items[2].Line);
        Assert.NotNull(items[2].Error);
    }

    [Fact]
    public void LogFileEndingAfterARecordSaysTheArrayIsOpen()
    {
        var items = ReadItem.ReadAll($"{{\"Records\": [{Rec(1)},");

        Assert.Equal("e1", EventId(items[0]));
        Assert.Equal("input ends inside an array of records", items[1].Error);
    }

    [Fact]
    public void TruncatedJsonLinesKeepTheCompleteLines()
    {
        var items = ReadItem.ReadAll($"{Rec(1)}\n{Rec(2)}\n{{\"eventID\":\"e3\"");

        Assert.Equal(["e1", "e2", null], items.Select(EventId));
        Assert.Equal(3, items[2].Line);
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(7)]
    public void RecordLargerThanTheInitialBufferIsReadWhole(int chunk)
    {
        var pad = new string('x', 200 * 1024);
        var text = $$"""{"eventID":"big","pad":"{{pad}}"}""" + "\n" + Rec(2) + "\n";

        var items = ReadItem.ReadAll(new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk));

        Assert.Equal(["big", "e2"], items.Select(EventId));
        Assert.Equal(pad, Fixtures.Parse(items[0].Json!).GetProperty("pad").GetString());
        Assert.Equal(2, items[1].Line);
    }

    [Fact]
    public void LogFileArrivingOneByteAtATimeIsRead()
    {
        var text = $"{{\"Records\": [\n{Rec(1)},\n{Rec(2)}]}}";

        var items = ReadItem.ReadAll(new ChunkedStream(Encoding.UTF8.GetBytes(text), 1));

        Assert.Equal(["e1", "e2"], items.Select(EventId));
        Assert.Equal([2L, 3L], items.Select(i => i.Line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\r\n\t ")]
    public void EmptyInputYieldsNothing(string text)
    {
        Assert.Empty(ReadItem.ReadAll(text));
    }

    [Fact]
    public void NonObjectValuesAreYieldedForTheParserToJudge()
    {
        var items = ReadItem.ReadAll("[1, \"x\", null]");

        Assert.Equal(["1", "\"x\"", "null"], items.Select(i => i.Json));
    }

    [Fact]
    public void BytesReadCountsTheWholeInput()
    {
        var bytes = Encoding.UTF8.GetBytes($"{Rec(1)}\n{Rec(2)}\n");
        using var reader = new JsonRecordReader(new MemoryStream(bytes));

        var count = reader.Read().Count();

        Assert.Equal(2, count);
        Assert.Equal(bytes.Length, reader.BytesRead);
    }
}
