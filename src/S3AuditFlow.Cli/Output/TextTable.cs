namespace S3AuditFlow.Cli.Output;

/// <summary>Plain-text columns: each as wide as its longest cell (at most 60), two spaces apart, trailing blanks trimmed.</summary>
internal static class TextTable
{
    /// <summary>A cell longer than this overflows its column instead of widening it for every row.</summary>
    private const int MaxWidth = 60;

    /// <summary>Writes the header and the rows; the columns in <paramref name="rightAligned"/> (numbers) align right.</summary>
    public static void Write(TextWriter output, string[] header, IReadOnlyList<string[]> rows, string indent = "", params int[] rightAligned)
    {
        var widths = header.Select((h, i) => Math.Min(MaxWidth, rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        output.WriteLine(indent + Row(header, widths, rightAligned));
        foreach (var row in rows)
            output.WriteLine(indent + Row(row, widths, rightAligned));
    }

    private static string Row(string[] cells, int[] widths, int[] rightAligned) =>
        string.Join("  ", cells.Select((c, i) => rightAligned.Contains(i) ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
}
