using static S3AuditFlow.Core.Tests.Support.GzipInput;

namespace S3AuditFlow.Core.Tests.Input;

/// <summary>
/// gzip files of several members (`cat a.gz b.gz`, which gzip reads as one file) are one input, each member checked
/// against its own trailer; a cut anywhere, in a later member or between two, is still reported.
/// </summary>
public class MultiMemberGzipTests
{
    private static byte[] Member(string text) => Gzip(text).Gzip;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConcatenatedMembersAreReadAsOneInput(bool seekable)
    {
        var bytes = Member(Lines(1, 300)).Concat(Member("")).Concat(Member(Lines(301, 200))).ToArray();

        var items = Read(bytes, seekable);

        Assert.Equal(500, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal("e500", System.Text.Json.JsonDocument.Parse(items[^1].Json!).RootElement.GetProperty("eventID").GetString());
    }

    [Fact]
    public void ManyMembersAndLargeOnesCrossTheBufferAlike()
    {
        // Incompressible padding makes members larger than the bytes kept for the trailer search.
        var random = new Random(9);
        string Noise(int i) => $$"""{"eventID":"n{{i}}","pad":"{{Convert.ToHexString(Enumerable.Range(0, 40_000).Select(_ => (byte)random.Next(256)).ToArray())}}"}""" + "\n";
        var parts = Enumerable.Range(0, 400).Select(i => Member(Lines(i, 1))).Append(Member(Noise(1) + Noise(2))).Append(Member(Lines(1000, 3)));

        var items = Read([.. parts.SelectMany(p => p)], seekable: false);

        Assert.Equal(405, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Fact]
    public void HeaderFieldsOfAMemberAreSkipped()
    {
        // FEXTRA, FNAME, FCOMMENT and FHCRC, as other gzip writers set them; .NET writes none.
        var plain = Member(Lines(1, 20));
        var header = new List<byte> { 0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3, 3, 0, 1, 2, 3 };
        header.AddRange("logs.json\0a comment\0"u8.ToArray());
        header.AddRange(new byte[] { 0xab, 0xcd });
        var bytes = plain.Concat(header).Concat(plain[10..]).ToArray();

        var items = Read(bytes, seekable: true);

        Assert.Equal(40, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Theory]
    [InlineData(0.5)] // inside the second member's deflate data
    [InlineData(0.0)] // right after the first member: the second is empty
    public void ASecondMemberCutShortIsReported(double fractionOfSecond)
    {
        var first = Member(Lines(1, 200));
        var second = Member(Lines(201, 200));
        var keep = Math.Max(5, (int)(second.Length * fractionOfSecond)); // 5: a header cut short

        var items = Read([.. first, .. second[..keep]], seekable: false);

        Assert.Contains(items, i => i.Error?.Contains("truncated file?", StringComparison.Ordinal) == true);
        Assert.True(items.Count(i => i.Error is null) >= 200, "the first member's records are read");
    }

    [Fact]
    public void ASecondMemberWithABadChecksumIsReported()
    {
        var second = Member(Lines(201, 200));
        second[^8] ^= 0x55;

        var items = Read([.. Member(Lines(1, 200)), .. second], seekable: true);

        Assert.Contains(items, i => i.Error?.Contains("gzip member 2 fails its CRC-32 check", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void BytesAfterTheLastMemberAreReported()
    {
        var items = Read([.. Member(Lines(1, 50)), .. "garbage"u8.ToArray()], seekable: true);

        Assert.Contains(items, i => i.Error is not null);
    }
}
