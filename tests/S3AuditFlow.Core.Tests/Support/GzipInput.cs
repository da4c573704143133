using System.IO.Compression;
using System.Text;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Core.Tests.Support;

/// <summary>Small JSON Lines inputs, their gzip, and reading them back as scan opens an input.</summary>
internal static class GzipInput
{
    /// <summary>Records e{from}… one per line, distinct and compressible.</summary>
    public static string Lines(int from, int count) =>
        string.Concat(Enumerable.Range(from, count).Select(i => $$"""{"eventID":"e{{i}}","pad":"{{i * 7919 % 104729:x8}}"}""" + "\n"));

    /// <summary>Gzip (one member) of the parts, each part sync-flushed, with the compressed offset where each part ends.</summary>
    public static (byte[] Gzip, List<int> PartEnds) Gzip(params string[] parts)
    {
        using var output = new MemoryStream();
        var ends = new List<int>();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            foreach (var part in parts)
            {
                gzip.Write(Encoding.UTF8.GetBytes(part));
                gzip.Flush();
                ends.Add((int)output.Length);
            }
        }
        return (output.ToArray(), ends);
    }

    /// <summary>What scan reads from these bytes, from a seekable stream or one that arrives in 4 KB pieces.</summary>
    public static List<ReadItem> Read(byte[] bytes, bool seekable = true)
    {
        var input = new ScanInput("test", () => seekable ? new MemoryStream(bytes) : new ChunkedStream(bytes, 4096), bytes.Length);
        using var stream = input.Open();
        return ReadItem.ReadAll(stream);
    }
}
