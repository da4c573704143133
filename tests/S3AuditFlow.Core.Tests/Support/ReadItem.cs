using System.Text;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Core.Tests.Support;

/// <summary>A <see cref="RawRecord"/> copied out while it is valid (its element dies when the reader moves on).</summary>
internal sealed record ReadItem(string? Json, long Line, long Ordinal, string? Error)
{
    public static List<ReadItem> ReadAll(Stream stream)
    {
        using var reader = new JsonRecordReader(stream);
        return reader.Read().Select(Copy).ToList();
    }

    public static List<ReadItem> ReadAll(string text) => ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    public static ReadItem Copy(RawRecord record) =>
        new(record.IsError ? null : record.Element.GetRawText(), record.Line, record.Ordinal, record.Error);
}
